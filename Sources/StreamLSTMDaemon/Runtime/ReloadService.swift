import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration and applies what may change while
/// running (`Reload`); a configuration that does not load is refused and the
/// running one stays. systemd hears RELOADING and READY around it.
package struct ReloadService: Service {
    /// Reads the configuration again (the file, with the command line on top); nil without a file.
    package let load: (@Sendable () throws -> DaemonConfig)?
    /// Whether a SIGHUP without a file to read has been answered at info already.
    private let toldNoFile = Protected(false)
    /// SIGHUP, registered before the group starts: a reload sent once the daemon says it is ready
    /// is never lost to the moment this service takes to start.
    package let hangUps: UnixSignalsSequence
    /// The configuration in force (the one the daemon started with, until a reload applies).
    package let running: Protected<DaemonConfig>
    package let engine: Engine
    package let alertmanager: AlertmanagerService?
    package var silences: SilencePoller? = nil
    package let security: CurveSecurity?
    package let levels: LogLevelSwitch
    package let notifier: SystemdNotifier?
    package let logger: Logger

    package func run() async {
        // SIGHUP has been ignored since the process started (StreamLSTMD.main), and queued since `hangUps` was made.
        for await _ in hangUps.cancelOnGracefulShutdown() {
            reload()
        }
    }

    package func reload() {
        notifier?.send("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds)")
        defer { notifier?.send("READY=1\nSTATUS=reloaded") }
        guard let load else {
            // Nothing can change: said once at info (the operator asked), then at debug.
            let first = toldNoFile.withLock { told in
                defer { told = true }
                return !told
            }
            logger.log(
                level: first ? .info : .debug,
                "SIGHUP: no configuration file to reload (started without --config); nothing changed")
            return
        }
        let new: DaemonConfig
        let applied: [String]
        let needRestart: [String]
        do {
            new = try load()
            let old = running.withLock { $0 }
            (applied, needRestart) = try Reload.apply(
                new, over: old, engine: engine, levels: levels,
                alertmanager: alertmanager, silences: silences, security: security)
        } catch {
            logger.error("reload refused: the running configuration stays", metadata: ["error": "\(error)"])
            return
        }
        running.withLock { $0 = new }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "applied": "\(applied.isEmpty ? "none" : applied.joined(separator: " "))",
                "after_restart": "\(needRestart.isEmpty ? "none" : needRestart.joined(separator: " "))",
            ])
        if !needRestart.isEmpty {
            logger.warning(
                "these changes take effect at the next restart",
                metadata: [
                    "keys": "\(needRestart.joined(separator: " "))"
                ])
        }
    }
}
