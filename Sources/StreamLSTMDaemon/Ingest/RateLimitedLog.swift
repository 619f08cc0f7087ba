import Foundation
import Logging
import StreamLSTMVocabulary

/// Says what input was rejected, at most once per interval per reason, with
/// how many more were rejected for that reason since the last line.
package struct RateLimitedLog {
    package let logger: Logger
    package let interval: TimeInterval
    private var lastLine = [Date](repeating: .distantPast, count: RejectReason.allCases.count)
    private var suppressed = [Int](repeating: 0, count: RejectReason.allCases.count)

    package init(logger: Logger, interval: TimeInterval) {
        self.logger = logger
        self.interval = interval
    }

    package mutating func note(_ rejections: Rejections) {
        let now = Date()
        for reason in RejectReason.allCases where rejections[reason] > 0 {
            let index = reason.rawValue
            suppressed[index] += rejections[reason]
            guard now.timeIntervalSince(lastLine[index]) >= interval else { continue }
            logger.warning(
                "rejected input",
                metadata: [
                    "reason": "\(reason.name)", "count": "\(suppressed[index])",
                    "example": "\(rejections.firstProblem(of: reason) ?? "-")",
                ])
            lastLine[index] = now
            suppressed[index] = 0
        }
    }
}
