import Foundation
import StreamLSTMVocabulary

/// One line for a person from a v1 alert:
/// `FIRING   critical web01.cpu.user  2025-01-01T10:00:00Z  93.1 vs expected 41.2 [35, 47.4]  score 1.000 (out_of_range)`.
package enum AlertLine {
    package static func format(topic: [UInt8], payload: [UInt8]) -> String {
        guard let alert = ReceivedAlert(topic: topic, payload: payload) else {
            return
                "\(String(decoding: topic, as: UTF8.self)) (not a v1 alert) \(String(decoding: payload.prefix(200), as: UTF8.self))"
        }
        func column(_ text: String) -> String { text.padding(toLength: 8, withPad: " ", startingAt: 0) }
        let score = String(format: "%.3f", alert.score)
        return "\(column(alert.kind.uppercased())) \(column(alert.severity)) \(alert.series)  "
            + "\(rfc3339(alert.sampleTime))  \(alert.description)  score \(score) (\(alert.reason))"
    }
}
