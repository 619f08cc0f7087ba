/// One series' alert state. An enum, so that no impossible combination
/// (firing and pending at once, a resolution time while firing) can exist.
enum AlertState: Equatable, Sendable {
    /// No alert. `quietUntil` is the end of the cool-down after the last one.
    case normal(quietUntil: Double)
    /// Scores above the threshold for `count` samples, since `since`.
    case pending(since: Double, count: Int)
    /// An alert is out: started at `since`, last sent at `lastSent`, with
    /// `calmSamples` consecutive scores below the resolve threshold so far.
    case firing(since: Double, lastSent: Double, severity: Severity, calmSamples: Int)

    static let initial = AlertState.normal(quietUntil: -.infinity)

    var isFiring: Bool {
        if case .firing = self { return true }
        return false
    }

    /// What a transition asks to be published.
    enum Notice: Equatable, Sendable {
        /// A new alert, a re-send, or an escalation of severity.
        case firing(since: Double, severity: Severity)
        case resolved(since: Double, at: Double, severity: Severity)
    }

    /// Advances the state by one scored sample at time `time`.
    mutating func advance(score: Double, at time: Double, rules: AlertRules) -> Notice? {
        switch self {
        case .normal(let quietUntil):
            guard score >= rules.fireThreshold, time >= quietUntil else { return nil }
            self = .pending(since: time, count: 0)
            return advance(score: score, at: time, rules: rules)

        case .pending(let since, let count):
            guard score >= rules.fireThreshold else {
                self = .normal(quietUntil: -.infinity)
                return nil
            }
            guard count + 1 >= rules.pendingSamples else {
                self = .pending(since: since, count: count + 1)
                return nil
            }
            let severity = rules.severity(for: score)
            self = .firing(since: since, lastSent: time, severity: severity, calmSamples: 0)
            return .firing(since: since, severity: severity)

        case .firing(let since, let lastSent, let severity, let calmSamples):
            if score < rules.resolveThreshold {
                guard calmSamples + 1 >= rules.resolveSamples else {
                    self = .firing(since: since, lastSent: lastSent, severity: severity, calmSamples: calmSamples + 1)
                    return nil
                }
                self = .normal(quietUntil: time + rules.coolDown)
                return .resolved(since: since, at: time, severity: severity)
            }
            let escalated = max(severity, score >= rules.fireThreshold ? rules.severity(for: score) : severity)
            if escalated > severity || time - lastSent >= rules.resendInterval {
                self = .firing(since: since, lastSent: time, severity: escalated, calmSamples: 0)
                return .firing(since: since, severity: escalated)
            }
            self = .firing(since: since, lastSent: lastSent, severity: severity, calmSamples: 0)
            return nil
        }
    }
}
