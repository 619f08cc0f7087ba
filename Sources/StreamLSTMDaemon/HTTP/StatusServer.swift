import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import StreamLSTMVocabulary
import Synchronization

/// Whether the daemon is ready for traffic: inputs bound, state restored.
package final class Readiness: Sendable {
    package init() {
    }

    private let flag = Atomic<Bool>(false)

    package var isReady: Bool { flag.load(ordering: .acquiring) }

    package func set(_ ready: Bool) {
        flag.store(ready, ordering: .releasing)
    }
}

/// Loopback HTTP for operators and Prometheus (`BoundedHTTPServer`):
/// `/metrics` (Prometheus text format), `/healthz` (the process answers),
/// `/readyz` (200 once ready, 503 while starting or stopping), `/series`
/// (every series: samples, model version, alert state, residual RMS),
/// `POST /feedback` (a user's verdict on a stretch of a series: see `Feedback`);
/// `/silences` lists (GET), makes (POST) and expires (DELETE `?id=`) silences (`SilenceAPI`).
/// Health and readiness answer on the polling thread; metrics and series,
/// which wait on the registry and the shards, and silences, which may write a file, on workers.
package final class StatusServer: Service {
    private let server: BoundedHTTPServer

    private init(server: BoundedHTTPServer) {
        self.server = server
    }

    /// A server bound and with its routes in place; it serves once `run()` starts.
    package static func make(
        host: String, port: UInt16, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        readiness: Readiness,
        engine: Engine, feedback journal: FeedbackJournal?, silences: SilenceBook? = nil, logger: Logger
    ) throws -> StatusServer {
        let stuckLog = Protected(RateLimiter(interval: 60))
        var routes: [BoundedHTTPServer.Route] = [
            .init(path: "/metrics", slow: true) { _ in
                .init(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
            },
            // Every series, or with `?key=K` that series alone (the link in each Alertmanager alert).
            .init(path: "/series", slow: true) { request in
                let answer = request.query["key"].map { key in engine.inspect(key: key).map { $0.map { [$0] } } }
                switch answer ?? engine.inspect().map(Optional.some) {
                case .failure(let stuck):
                    stuckLog.withLock { if $0.allows() { logger.warning("/series: \(stuck)") } }
                    return .text(503, "\(stuck)\n")
                case .success(nil): return .text(404, "no series \(request.query["key"] ?? "")\n")
                case .success(let summaries?):
                    return .init(
                        status: 200, contentType: "application/json", body: Array(SeriesSummary.json(summaries).utf8))
                }
            },
            .init(method: "POST", path: "/feedback", slow: true) { request in
                Self.feedback(request.body, engine: engine, journal: journal, logger: logger)
            },
            .init(path: "/healthz", slow: false) { _ in .text(200, "ok\n") },
            .init(path: "/readyz", slow: false) { _ in
                readiness.isReady ? .text(200, "ready\n") : .text(503, "not ready\n")
            },
        ]
        if let silences { routes += silenceRoutes(silences) }
        return StatusServer(server: try BoundedHTTPServer(host: host, port: port, routes: routes, logger: logger))
    }

    /// A verdict applied to its series, then kept in the journal; refusals change nothing.
    private static func feedback(
        _ body: [UInt8], engine: Engine, journal: FeedbackJournal?, logger: Logger
    ) -> BoundedHTTPServer.Response {
        let feedback: Feedback
        do {
            feedback = try Feedback.parse(json: body)
        } catch {
            return .text(error.status, "\(error)\n")
        }
        let keep: @Sendable (Result<FeedbackOutcome, FeedbackError>) -> Void = { result in
            // A verdict applied after the answer went out is kept as well, off the shard's thread.
            guard case .success = result else { return }
            DispatchQueue.global(qos: .utility).async {
                do {
                    try journal?.record(feedback)
                } catch {
                    logger.error("feedback not kept", metadata: ["error": "\(error)"])
                }
            }
        }
        switch engine.apply(feedback, late: keep) {
        case .failure(let error):
            return .text(error.status, "\(error)\n")
        case .success(let outcome):
            logger.info(
                "feedback",
                metadata: [
                    "series": "\(feedback.series)", "verdict": "\(feedback.verdict.rawValue)",
                    "from": "\(rfc3339(feedback.from))", "to": "\(rfc3339(feedback.to))",
                    "resolved_alert": "\(outcome.resolvedAlert)",
                ])
            do {
                try journal?.record(feedback)
            } catch {
                // Applied but not kept: say so to the caller and in the log, rather than pretend.
                logger.error("feedback not kept", metadata: ["error": "\(error)"])
                return .init(status: 500, body: Array("applied, but not kept: \(error)\n".utf8))
            }
            return .init(status: 200, contentType: "application/json", body: Array((outcome.json + "\n").utf8))
        }
    }

    private static func silenceRoutes(_ book: SilenceBook) -> [BoundedHTTPServer.Route] {
        @Sendable func response(_ answer: SilenceAPI.Answer) -> BoundedHTTPServer.Response {
            answer.isJSON
                ? .init(status: answer.status, contentType: "application/json", body: Array(answer.body.utf8))
                : .text(answer.status, answer.body)
        }
        return [
            .init(path: "/silences", slow: true) { _ in
                response(SilenceAPI.list(book, now: Date().timeIntervalSince1970))
            },
            .init(method: "POST", path: "/silences", slow: true) { request in
                response(SilenceAPI.create(book, body: request.body, now: Date().timeIntervalSince1970))
            },
            .init(method: "DELETE", path: "/silences", slow: true) { request in
                response(SilenceAPI.expire(book, query: request.query, now: Date().timeIntervalSince1970))
            },
        ]
    }

    /// The bound address (with the port chosen for port 0).
    package var address: String { server.address }

    /// Every method and path served.
    package var served: [(method: String, path: String)] { server.served }

    package func run() async throws {
        server.start()
        // Until the group shuts down, or cancels us; either way the server stops.
        try? await gracefulShutdown()
        server.stop()
    }
}
