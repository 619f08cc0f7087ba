import Foundation
import Logging
import ServiceLifecycle

/// The daemon's threads as a lifecycle service: ready once it runs (inputs
/// bound, state restored and HTTP listening by then), running until graceful
/// shutdown or a part of it dies, then stopping in order: inputs, shards, alerts.
struct DaemonService: Service {
    let runtime: DaemonRuntime
    let readiness: Readiness
    /// systemd's notify socket, when run by systemd.
    let notifier: SystemdNotifier?
    /// Re-reads the configuration on SIGHUP.
    let reload: @Sendable () -> Void

    func run() async throws {
        let status = runtime.startStatusLine()
        readiness.set(true)
        // Inputs are bound and the state restored (both in DaemonRuntime.init): systemd may start what depends on us.
        notifier?.send("READY=1\nSTATUS=ready")
        let heartbeat = notifier.map {
            Heartbeat(notifier: $0, engine: runtime.engine, watchdogInterval: SystemdNotifier.watchdogInterval(),
                      logger: runtime.logger)
        }
        signal(SIGHUP, SIG_IGN)
        let hangUp = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "streamlstmd.reload"))
        hangUp.setEventHandler(handler: reload)
        hangUp.resume()
        runtime.logger.info("ready", metadata: [
            "shards": "\(runtime.settings.engine.shards)", "training": "\(runtime.settings.engine.training)",
            "state_dir": "\(runtime.settings.stateDirectory ?? "none")",
        ])
        // Until a signal asks for shutdown (or the service group cancels us), or a part of the daemon dies.
        let failure = runtime.failure
        let failed = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                try? await gracefulShutdown()
                return nil
            }
            group.addTask { await failure.first() }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let failed {
            readiness.set(false)
            runtime.logger.critical("a part of the daemon died: stopping", metadata: ["failure": "\(failed)"])
        }
        notifier?.send("STOPPING=1\nSTATUS=stopping: draining the shards, writing the last checkpoint")
        hangUp.cancel()
        heartbeat?.cancel()
        readiness.set(false)
        runtime.logger.info("stopping")
        status?.cancel()
        // The shutdown blocks on thread joins: keep it off the cooperative pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                runtime.shutdown()
                done.resume()
            }.start()
        }
        if let failed { throw ComponentFailed(what: failed) }
    }
}
