import Foundation
import Logging
import StreamLSTMVocabulary
import Synchronization
import ZeroMQ

/// Publishes alerts on a bound PUB socket as `[topic, json]` from its own
/// thread (the socket's owner), numbering them in the order they go out.
package final class AlertPublisher: AlertSink {
    package let endpoint: String
    private let queue = BlockingQueue<Alert>(capacity: 65_536)
    /// Alerts not published because the publisher's thread had ended (its context shut down).
    private let dropped = Protected(0)
    private let dropLog = Protected(RateLimiter(interval: 60))
    private let logger: Logger
    private let sender: OwnedThread<Void>
    private let context: ZMQContext

    /// Binds the socket (on the publisher's thread) before returning, so
    /// that a bad endpoint fails the start instead of a thread.
    /// `curve`: the alert socket as a CURVE server (its ZAP handler already bound in `context`).
    /// The context is the publisher's own: it is shut down when the publisher stops.
    package init(
        context: ZMQContext, endpoint requested: String, instance: String, curve: CurveSecurity.Server? = nil,
        logger: Logger
    ) throws(ZMQError) {
        self.context = context
        self.logger = logger
        let queue = self.queue
        let dropped = self.dropped
        (sender, endpoint) = try OwnedThread.owningSocket(.publisher, in: context, name: "alert-publisher") {
            socket throws(ZMQError) in
            // Subscribers may face the network: a handshake gets 10 s, a silent peer is dropped after
            // 30 s without an answer to the heartbeat, and what they send (subscriptions) stays small.
            try socket.set(.handshakeInterval(milliseconds: 10_000))
            try socket.set(.heartbeatInterval(milliseconds: 10_000))
            try socket.set(.heartbeatTimeout(milliseconds: 30_000))
            try socket.set(.maxMessageSize(bytes: 64 << 10))
            if let curve { try curve.install(on: socket) }
            try socket.bind(requested)
            return try socket.lastEndpoint()
        } run: { socket in
            var sequence = 0
            while let alert = queue.take() {
                sequence += 1
                let parts = [Array(alert.topic.utf8), Array(alert.json(sequence: sequence, instance: instance).utf8)]
                do throws(ZMQError) {
                    try socket.send(parts)
                } catch {
                    logger.error(
                        "alert not published", metadata: ["error": "\(error)", "series": "\(alert.seriesKey)"])
                    if error.isTerminated { break }
                }
            }
            socket.close()  // bounded linger: queued alerts get at most that long
            // No one takes alerts any more: publishing returns at once (and counts) instead of filling
            // the queue and then blocking a shard for good; what was still queued is counted too.
            queue.close()
            var left = 0
            while queue.take() != nil { left += 1 }
            if left > 0 { dropped.withLock { $0 += left } }
        }
    }

    /// Queues an alert for publishing. Any thread. Blocks while 65,536 wait for a live publisher;
    /// once its thread has ended, returns at once and counts the alert as dropped.
    package func take(_ alert: Alert) {
        guard queue.put(alert) else {
            let total = dropped.withLock { count -> Int in
                count += 1
                return count
            }
            dropLog.withLock {
                if $0.allows() {
                    logger.error(
                        "alerts dropped: the publisher has stopped", metadata: ["dropped_total": "\(total)"])
                }
            }
            return
        }
    }

    /// Alerts dropped because the publisher had stopped.
    package var droppedCount: Int { dropped.withLock { $0 } }

    /// Sends what is queued, closes the socket, and returns.
    package func stop() {
        queue.close()
        sender.join()
        context.shutdown()  // for the ZAP handler's socket in it
    }

    /// As `stop()`, from a task.
    package func stopAndDrain() async {
        queue.close()
        await sender.value
        context.shutdown()
    }
}
