import FlyingFox
import FlyingSocks
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Whether the daemon is ready for traffic: inputs bound, state restored.
final class Readiness: Sendable {
    private let flag = Atomic<Bool>(false)

    var isReady: Bool { flag.load(ordering: .acquiring) }

    func set(_ ready: Bool) {
        flag.store(ready, ordering: .releasing)
    }
}

/// Loopback HTTP for operators and Prometheus, served by FlyingFox:
/// `/metrics` (Prometheus text format), `/healthz` (the process answers),
/// `/readyz` (200 once ready, 503 while starting or stopping), `/series`
/// (every series: samples, model version, alert state, residual RMS).
final class StatusServer: Service {
    private let server: HTTPServer
    private let stopping: StoppingFlag

    private init(server: HTTPServer, stopping: StoppingFlag) {
        self.server = server
        self.stopping = stopping
    }

    /// A server with its routes in place (the routes are registered before
    /// it can take its first request).
    static func make(host: String, port: UInt16, registry: PrometheusCollectorRegistry, readiness: Readiness,
                     engine: Engine, logger: Logger) async throws -> StatusServer {
        let stopping = StoppingFlag()
        let server = HTTPServer(address: try .inet(ip4: host, port: port), timeout: 15,
                                logger: FlyingFoxLogger(logger: logger, stopping: stopping))
        do {
            await server.appendRoute("GET /metrics") { _ in
                HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                             body: Data(registry.emitToBuffer()))
            }
            await server.appendRoute("GET /series") { _ in
                // The shards answer between two batches; keep the wait off the cooperative pool.
                let summaries = await withCheckedContinuation { (done: CheckedContinuation<[SeriesSummary], Never>) in
                    Thread { done.resume(returning: engine.inspect()) }.start()
                }
                return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"],
                                    body: Data(SeriesSummary.json(summaries).utf8))
            }
            await server.appendRoute("GET /healthz") { _ in
                HTTPResponse(statusCode: .ok, body: Data("ok\n".utf8))
            }
            await server.appendRoute("GET /readyz") { _ in
                readiness.isReady
                    ? HTTPResponse(statusCode: .ok, body: Data("ready\n".utf8))
                    : HTTPResponse(statusCode: .serviceUnavailable, body: Data("not ready\n".utf8))
            }
        }
        return StatusServer(server: server, stopping: stopping)
    }

    /// The bound address once listening (the port chosen for port 0).
    func listeningAddress() async throws -> String {
        try await server.waitUntilListening(timeout: 10)
        switch await server.listeningAddress {
        case .ip4(let host, let port), .ip6(let host, let port): return "\(host):\(port)"
        case .unix(let path): return path
        case nil: return "?"
        }
    }

    func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await server.run()
            } onGracefulShutdown: { [server, stopping] in
                stopping.set()
                Task { await server.stop(timeout: 0.1) }
            }
        } catch where stopping.isSet {
            // FlyingFox's run() ends with "disconnected" when stop() closes its socket: that is our stop.
        }
    }
}

/// Set once the server is being stopped on purpose.
private final class StoppingFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// FlyingFox's log lines into swift-log, one level down (its "info" is per
/// connection), and only at debug level once we are stopping it: it reports
/// its own stop as a critical error.
private struct FlyingFoxLogger: FlyingSocks.Logging {
    let logger: Logger
    let stopping: StoppingFlag

    func logDebug(_ debug: @autoclosure () -> String) { logger.trace("\(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("\(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { log(.warning, warning()) }
    func logError(_ error: @autoclosure () -> String) { log(.error, error()) }
    func logCritical(_ critical: @autoclosure () -> String) { log(.critical, critical()) }

    private func log(_ level: Logger.Level, _ message: String) {
        logger.log(level: stopping.isSet ? .debug : level, "http: \(message)")
    }
}
