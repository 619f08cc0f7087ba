import Foundation
import Logging
import ServiceLifecycle

/// The daemon's threads as a lifecycle service: ready once its dependencies
/// are (the HTTP server listening), running until graceful shutdown, then
/// stopping in order: inputs, shards, alerts.
struct DaemonService: Service {
    let runtime: DaemonRuntime
    let readiness: Readiness
    /// Awaited before the daemon calls itself ready.
    let dependencies: @Sendable () async throws -> Void

    func run() async throws {
        try await dependencies()
        let status = runtime.startStatusLine()
        readiness.set(true)
        runtime.logger.info("ready", metadata: [
            "shards": "\(runtime.settings.engine.shards)", "training": "\(runtime.settings.engine.training)",
        ])
        // Returns when a signal asks for shutdown; throws if the service group cancels us instead.
        try? await gracefulShutdown()
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
    }
}
