import Foundation
import StreamLSTMVocabulary
import Synchronization
import ZeroMQ

/// A v1 alert as a subscriber reads it back from the wire.
package struct ReceivedAlert: Sendable {
    package let topic: String
    package let status: String
    /// Sent again for an incident already announced (the payload's `resend`).
    package let isResend: Bool
    /// What a person is shown: `firing`, `resent` or `resolved`.
    package var kind: String { isResend ? "resent" : status }
    package let series: String
    package let severity: String
    package let startsAt: String
    /// Time of the sample that raised it, unix seconds.
    package let sampleTime: Double
    package let description: String
    package let score: Double
    package let reason: String
    /// A silence was in force for the series (its id).
    package let silenceID: String?
    /// When this process received it.
    package let arrived: Date

    /// Parses a `[topic, json]` message; nil if it is not a v1 alert.
    package init?(topic: [UInt8], payload: [UInt8], arrived: Date = Date()) {
        guard let alert = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            alert["schema"] as? String == "streamlstm.alert/v1",
            let labels = alert["labels"] as? [String: Any], let series = labels["series"] as? String,
            let status = alert["status"] as? String, let startsAt = alert["startsAt"] as? String,
            let anomaly = alert["anomaly"] as? [String: Any], let ts = anomaly["ts"] as? String,
            let sampleTime = Timestamps.parseRFC3339(ts),
            let annotations = alert["annotations"] as? [String: Any]
        else { return nil }
        self.topic = String(decoding: topic, as: UTF8.self)
        self.status = status
        self.isResend = alert["resend"] as? Bool ?? false
        self.series = series
        self.severity = labels["severity"] as? String ?? ""
        self.startsAt = startsAt
        self.sampleTime = sampleTime
        self.description = annotations["description"] as? String ?? ""
        self.score = anomaly["score"] as? Double ?? .nan
        self.reason = anomaly["reason"] as? String ?? ""
        self.silenceID = alert["silenced"] as? Bool == true ? alert["silence_id"] as? String ?? "" : nil
        self.arrived = arrived
    }
}

/// Subscribes to a daemon's alert socket on its own thread (the socket's
/// owner) and hands every alert to `handle`, until stopped.
package final class AlertSubscriber: Sendable {
    private let context: ZMQContext
    private let count = Protected(0)
    private let receiver: OwnedThread<Void>

    /// Alerts received so far.
    package var received: Int { count.withLock { $0 } }

    /// Returns once the subscription is on the wire (handshake done), so no alert published after it is missed.
    package init(
        endpoint: String, prefix: String = "alert.", curve: CurveClientKeys? = nil,
        handle: @escaping @Sendable (ReceivedAlert) -> Void
    ) throws {
        context = try ZMQContext()
        let context = self.context
        let count = self.count
        (receiver, _) = try OwnedThread.owningSocket(.subscriber, in: context, name: "alert-subscriber") {
            socket throws(ZMQError) in
            try socket.set(.subscribe(prefix: Array(prefix.utf8)))
            try curve?.apply(to: socket)
            _ = try socket.connectAndWaitForHandshake(endpoint, timeout: 10)
        } run: { socket in
            while let message = try? socket.receive(), message.count == 2 {
                if let alert = ReceivedAlert(topic: message[0], payload: message[1]) { handle(alert) }
                count.withLock { $0 += 1 }
            }
            socket.close()
        }
    }

    /// Waits (at most until `deadline`) for `expected` alerts in all, then stops the thread.
    package func stop(expecting expected: Int = 0, deadline: Date = Date()) {
        while received < expected && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        context.shutdown()
        receiver.join()
    }
}
