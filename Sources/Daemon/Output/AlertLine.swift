import Foundation

/// One line for a person from a v1 alert payload:
/// `FIRING   critical  web01.cpu.user  2025-01-01T10:00:00Z  93.1 vs expected 41.2 [35, 47.4]  score 1.000 (out_of_range)`.
enum AlertLine {
    static func format(topic: String, payload: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let labels = object["labels"] as? [String: Any],
              let annotations = object["annotations"] as? [String: Any],
              let anomaly = object["anomaly"] as? [String: Any] else {
            return "\(topic) (not a v1 alert) \(String(decoding: payload.prefix(200), as: UTF8.self))"
        }
        let status = (object["status"] as? String ?? "?").uppercased()
        let severity = labels["severity"] as? String ?? "?"
        let series = labels["series"] as? String ?? "?"
        let time = anomaly["ts"] as? String ?? "?"
        let description = annotations["description"] as? String ?? ""
        let score = (anomaly["score"] as? Double).map { String(format: "%.3f", $0) } ?? "?"
        let reason = anomaly["reason"] as? String ?? "?"
        return "\(status.padding(toLength: 8, withPad: " ", startingAt: 0)) \(severity.padding(toLength: 8, withPad: " ", startingAt: 0)) "
            + "\(series)  \(time)  \(description)  score \(score) (\(reason))"
    }
}
