import Foundation
import StreamLSTMDaemon

/// Prints one line when an incident starts and one when it resolves (re-sends are not repeated).
package final class AlertPrinter: Sendable {
    private let subscriber: AlertSubscriber
    private let started: Protected<Set<String>>

    package var printed: Int { subscriber.received }
    package var incidents: Int { started.withLock { $0.count } }

    package init(endpoint: String) throws {
        let started = Protected(Set<String>())
        self.started = started
        subscriber = try AlertSubscriber(endpoint: endpoint) { alert in
            if alert.status == "firing" {
                guard started.withLock({ $0.insert(alert.series + alert.startsAt).inserted }) else { return }
            }
            let sample = Int(((alert.sampleTime - DemoRun.start) / DemoRun.interval).rounded())
            DemoStatusLine.printAbove(
                String(
                    format: "%@ sample %5d  %-20@ %-9@ %@  score %.3f (%@)",
                    (alert.status == "firing" ? "FIRING  " : "RESOLVED") as NSString, sample,
                    alert.series as NSString, alert.severity as NSString,
                    alert.description as NSString, alert.score, alert.reason as NSString))
        }
    }

    package func finish(expecting expected: Int, deadline: Date) {
        subscriber.stop(expecting: expected, deadline: deadline)
    }
}
