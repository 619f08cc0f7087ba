import Foundation
import Logging
import Prometheus

/// The daemon as `streamlstmd run` runs it: logging and the process's limits, then the
/// `DaemonService` with its surroundings (HTTP, readiness, reload, signals).
package enum DaemonProcess {
    /// Runs until SIGTERM or SIGINT, or until a part ends; `reload` gives the configuration a
    /// SIGHUP applies (the file read again, with the command line on top), nil without a file. A
    /// start that fails is logged as critical and thrown as `DaemonService.CouldNotStart`.
    package static func run(
        config: DaemonConfig,
        reload load: (@Sendable () throws -> DaemonConfig)?
    ) async throws {
        let levels = LogLevelSwitch(config.logLevel)
        LoggingSystem.bootstrap { label in ReloadableLogHandler(label: label, levels: levels) }
        let logger = Logger(label: "streamlstmd")
        ProcessLimits.raiseDescriptorLimit(logger: logger)
        let daemon = DaemonService(
            config: config, logger: logger,
            surroundings: .init(registry: PrometheusCollectorRegistry(), levels: levels, reload: load))
        try await daemon.run()
    }
}
