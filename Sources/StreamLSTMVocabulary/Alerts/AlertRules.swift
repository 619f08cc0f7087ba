/// Alert severities, lowest first.
package enum Severity: String, CaseIterable, Comparable, Sendable {
    case warning, critical

    package static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// When a series' scores become an alert, and when the alert ends.
package struct AlertRules: Equatable, Sendable {
    /// The defaults below; a caller changes what it needs through the properties.
    package init() {}

    /// A score at or above this starts an alert (pending, then firing).
    package var fireThreshold: Double = 0.5
    /// A score at or above this makes the alert critical rather than a warning
    /// (0.8: a surprise of 20, a one-in-10^20 event; 0.5 is one in 10^5).
    package var criticalThreshold: Double = 0.8
    /// While firing, scores below this count towards resolving (hysteresis:
    /// below `fireThreshold`, so a score hovering at the threshold does not flap).
    package var resolveThreshold: Double = 0.3
    /// Consecutive samples at or above `fireThreshold` before an alert fires;
    /// 1 fires on the first (NAB rewards early detection, and pages are rare).
    package var pendingSamples: Int = 1
    /// Consecutive samples below `resolveThreshold` before a firing alert resolves.
    package var resolveSamples: Int = 10
    /// While an alert is open, a score at `fireThreshold` after this many samples in a row below it
    /// is a new incident: the open alert resolves and a new one fires, so the incident pages anew
    /// instead of passing inside an alert that a calm stretch between the two kept open (scores
    /// between the two thresholds, or held by the scorer's refractory rule). 0 turns it off.
    package var newIncidentAfter: Int = 25
    /// Seconds after a resolution during which the series does not fire again.
    package var coolDown: Double = 300
    /// Seconds between re-sends of a firing alert.
    package var resendInterval: Double = 300

    package var problem: String? {
        if !(fireThreshold > 0 && fireThreshold <= 1) { return "alerts.fire_threshold must lie in (0, 1]" }
        if !(criticalThreshold >= fireThreshold && criticalThreshold <= 1) {
            return "alerts.critical_threshold must lie in [fire_threshold, 1]"
        }
        if !(resolveThreshold >= 0 && resolveThreshold <= fireThreshold) {
            return "alerts.resolve_threshold must lie in [0, fire_threshold]"
        }
        if pendingSamples < 1 { return "alerts.pending_samples must be at least 1" }
        if resolveSamples < 1 { return "alerts.resolve_samples must be at least 1" }
        if newIncidentAfter < 0 { return "alerts.new_incident_after must be >= 0 (0 turns it off)" }
        if !(coolDown >= 0) { return "alerts.cool_down must be >= 0 seconds" }
        if !(resendInterval > 0) { return "alerts.resend_interval must be > 0 seconds" }
        return nil
    }

    package func severity(for score: Double) -> Severity {
        score >= criticalThreshold ? .critical : .warning
    }
}
