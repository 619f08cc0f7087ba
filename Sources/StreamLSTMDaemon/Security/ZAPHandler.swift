import Foundation
import Logging
import Metrics
import ZeroMQ

/// The process' ZAP handler (ZeroMQ RFC 27): a REP socket bound at
/// `inproc://zeromq.zap.01` in each context that has CURVE sockets, before
/// any of them, all served by one thread. Every request gets an answer,
/// malformed ones a 400; a CURVE client whose key is in the allow-list of its
/// socket's domain gets 200 with its certificate's name as user id.
package final class ZAPHandler: Sendable {
    package static let endpoint = "inproc://zeromq.zap.01"

    /// Why a handshake was refused or let in, as counted in `/metrics`.
    package enum Outcome: String, CaseIterable, Sendable {
        case accepted
        case notAllowed = "not_allowed"
        case malformed
        case unknownDomain = "unknown_domain"
        case mechanism
    }

    private let allowLists: Protected<[String: AllowList]>
    private let thread: Protected<OwnedThread<Void>?> = Protected(nil)

    /// Binds in every context of `contexts` (on the handler's thread) before returning.
    /// `allowLists`: ZAP domain → the keys allowed in it.
    package init(
        contexts: [ZMQContext], allowLists: [String: AllowList], metrics: (any MetricsFactory)?,
        logger: Logger
    ) throws(ZMQError) {
        self.allowLists = Protected(allowLists)
        let counters = Outcome.allCases.map { outcome in
            metrics.map {
                Counter(
                    label: "streamlstmd_curve_handshakes_total", dimensions: [("outcome", outcome.rawValue)],
                    factory: $0)
            }
        }
        let lists = self.allowLists
        let (started, _) = try OwnedThread.started(name: "zap") {
            (bound: (Result<Void, ZMQError>) -> Void) in
            var sockets: [ZMQSocket] = []
            do throws(ZMQError) {
                for context in contexts {
                    let socket = try ZMQSocket(context: context, type: .reply)
                    try socket.set(.linger(milliseconds: 0))
                    try socket.bind(Self.endpoint)
                    sockets.append(socket)
                }
                bound(.success(()))
            } catch {
                bound(.failure(error))
                return
            }
            // At most one line per 10 s each way: a reconnecting or hostile peer cannot flood the log.
            var acceptedLog = RateLimiter(interval: 10)
            var refusedLog = RateLimiter(interval: 10)
            // Until every context has shut down: a socket whose context ends is closed and left out.
            while !sockets.isEmpty {
                let ready: [Bool]
                do throws(ZMQError) {
                    ready = try ZMQSocket.poll(sockets, timeout: -1)
                } catch {
                    // ETERM: one of the contexts has shut down; its socket is closed and left out.
                    sockets.removeAll(where: Self.isTerminated)
                    continue
                }
                for (socket, isReady) in zip(sockets, ready) where isReady {
                    guard let request = try? socket.receive(wait: false) else { continue }
                    let (reply, outcome, peer) = Self.answer(request, allowLists: lists.withLock { $0 })
                    let userId = reply.count > 4 ? String(decoding: reply[4], as: UTF8.self) : ""
                    counters[Outcome.allCases.firstIndex(of: outcome)!]?.increment()
                    if outcome == .accepted {
                        if acceptedLog.allows() {
                            logger.info("CURVE handshake accepted", metadata: ["user": "\(userId)", "peer": "\(peer)"])
                        }
                    } else if refusedLog.allows() {
                        logger.warning(
                            "CURVE handshake refused", metadata: ["reason": "\(outcome.rawValue)", "peer": "\(peer)"])
                    }
                    _ = try? socket.send(reply)
                }
                sockets.removeAll(where: Self.isTerminated)
            }
        }
        thread.withLock { $0 = started }
    }

    /// New allow-lists (a reload); keys taken out can open no new connection from now on.
    package func update(_ allowLists: [String: AllowList]) {
        self.allowLists.withLock { $0 = allowLists }
    }

    /// Waits for the handler's thread, which ends when every context it serves has shut down.
    package func wait() {
        thread.withLock { $0 }?.join()
    }

    /// Whether the socket's context has shut down; such a socket is closed.
    private static func isTerminated(_ socket: ZMQSocket) -> Bool {
        do throws(ZMQError) {
            _ = try ZMQSocket.poll([socket], timeout: 0)
            return false
        } catch {
            socket.close()
            return true
        }
    }

    /// The reply to one request, its outcome and the peer's address for the log.
    /// Request: version, request id, domain, address, identity, mechanism, credentials...
    package static func answer(_ request: [[UInt8]], allowLists: [String: AllowList])
        -> (reply: [[UInt8]], outcome: Outcome, peer: String)
    {
        func text(_ index: Int) -> String {
            index < request.count ? String(decoding: request[index], as: UTF8.self) : ""
        }
        let requestId = request.count > 1 ? request[1] : []
        func reply(_ status: String, _ message: String, userId: String = "") -> [[UInt8]] {
            [Array("1.0".utf8), requestId, Array(status.utf8), Array(message.utf8), Array(userId.utf8), []]
        }
        let peer = text(3)
        guard request.count >= 6, text(0) == "1.0" else {
            return (reply("400", "malformed ZAP request"), .malformed, peer)
        }
        guard let allowList = allowLists[text(2)] else {
            return (reply("400", "unknown domain"), .unknownDomain, peer)
        }
        guard text(5) == "CURVE" else { return (reply("400", "only CURVE is accepted"), .mechanism, peer) }
        guard request.count == 7, let key = ZMQCurve.z85(request[6]) else {
            return (reply("400", "malformed CURVE credentials"), .malformed, peer)
        }
        guard let name = allowList.names[key] else { return (reply("400", "key not allowed"), .notAllowed, peer) }
        return (reply("200", "OK", userId: name), .accepted, peer)
    }
}
