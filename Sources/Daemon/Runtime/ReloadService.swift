import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration and applies what may change while
/// running (`Reload`); a configuration that does not load is refused and the
/// running one stays. systemd hears RELOADING and READY around it.
struct ReloadService: Service {
    /// Reads the configuration again (the file, with the command line on top).
    let load: @Sendable () throws -> DaemonConfig
    /// SIGHUP, registered before the group starts: a reload sent once the daemon says it is ready
    /// is never lost to the moment this service takes to start.
    let hangUps: UnixSignalsSequence
    /// The configuration in force (the one the daemon started with, until a reload applies).
    let running: Protected<DaemonConfig>
    let engine: Engine
    let alertmanager: AlertmanagerService?
    var silences: SilencePoller? = nil
    let security: CurveSecurity?
    let levels: LogLevelSwitch
    let notifier: SystemdNotifier?
    let logger: Logger

    func run() async {
        // SIGHUP has been ignored since the process started (StreamLSTMD.main), and queued since `hangUps` was made.
        for await _ in hangUps.cancelOnGracefulShutdown() {
            reload()
        }
    }

    func reload() {
        notifier?.send("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds)")
        defer { notifier?.send("READY=1\nSTATUS=reloaded") }
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
                "applied": "\(applied.joined(separator: " "))",
                "after_restart": "\(needRestart.joined(separator: " "))",
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
