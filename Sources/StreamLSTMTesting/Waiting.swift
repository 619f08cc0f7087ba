import Foundation
import StreamLSTMDaemon

/// Polls `condition` every `poll` seconds until it holds, or throws after `timeout` seconds.
/// Tests wait for conditions, never for a time; the timeouts are generous, so that a loaded
/// machine makes a test slower, not red.
package func waitUntil(_ what: String, timeout: Double = 60, poll: Double = 0.02, _ condition: () throws -> Bool) throws
{
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw WaitTimedOut(what: what, timeout: timeout) }
        Thread.sleep(forTimeInterval: poll)  // polling a condition, bounded by the deadline
    }
}

/// A condition a test waited for did not come.
package struct WaitTimedOut: Error, CustomStringConvertible {
    package let what: String
    package let timeout: Double
    package var description: String { "not within \(timeout) s: \(what)" }
}
