import Logging
import ServiceLifecycle

/// Says when the daemon is ready and when it stops: `/readyz` and systemd's
/// READY=1 once every other part runs (inputs bound and state restored before
/// the group starts), the watchdog heartbeat while running, and, first of all
/// at shutdown (it is the group's last service), not ready and STOPPING=1.
package struct ReadinessService: Service {
    package let readiness: Readiness
    /// systemd's notify socket, when run by systemd.
    package let notifier: SystemdNotifier?
    package let engine: Engine
    package let logger: Logger
    /// What the "ready" log line says about this daemon.
    package let summary: Logger.Metadata

    package func run() async {
        readiness.set(true)
        notifier?.send("READY=1\nSTATUS=ready")
        logger.info("ready", metadata: summary)
        let heartbeat = notifier.map {
            Heartbeat(
                notifier: $0, engine: engine, watchdogInterval: SystemdNotifier.watchdogInterval(),
                logger: logger)
        }
        try? await gracefulShutdown()
        readiness.set(false)
        notifier?.send("STOPPING=1\nSTATUS=stopping: draining the shards, writing the last checkpoint")
        logger.info("stopping")
        await heartbeat?.stop()
    }
}
