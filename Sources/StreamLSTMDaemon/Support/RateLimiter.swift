import Dispatch

/// Says yes at most once per interval: for log lines about things that may
/// happen on every message or connection.
package struct RateLimiter {
    package let interval: Double
    private var last = -Double.infinity

    package init(interval: Double) {
        self.interval = interval
    }

    /// True if the interval has passed since the last true.
    package mutating func allows() -> Bool {
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        guard now - last >= interval else { return false }
        last = now
        return true
    }
}
