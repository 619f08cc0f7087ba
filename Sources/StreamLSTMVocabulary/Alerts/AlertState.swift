/// One series' alert state. An enum, so that no impossible combination
/// (firing and pending at once, a resolution time while firing) can exist.
package enum AlertState: Equatable, Sendable {
    /// No alert. `quietUntil` is the end of the cool-down after the last one.
    case normal(quietUntil: Double)
    /// Scores above the threshold for `count` samples, since `since`.
    case pending(since: Double, count: Int)
    /// An alert is out: started at `since`, last sent at `lastSent`, with
    /// `calmSamples` consecutive scores below the resolve threshold so far and
    /// `quietSamples` consecutive samples whose unheld score stayed below the
    /// fire threshold (for `AlertRules.newIncidentAfter`).
    case firing(since: Double, lastSent: Double, severity: Severity, calmSamples: Int, quietSamples: Int)

    package static let initial = AlertState.normal(quietUntil: -.infinity)

    package var isFiring: Bool {
        if case .firing = self { return true }
        return false
    }

    /// The severity of the open alert (nil: none open).
    package var firingSeverity: Severity? {
        if case .firing(_, _, let severity, _, _) = self { return severity }
        return nil
    }

    /// What a transition asks to be published.
    package enum Notice: Equatable, Sendable {
        /// A new alert, a re-send, or an escalation of severity.
        case firing(since: Double, severity: Severity)
        case resolved(since: Double, at: Double, severity: Severity)
    }

    /// Whether `notices`, returned by `advance` from a state that was firing or not, page someone:
    /// a new alert, or a new incident inside an open one (its resolution and a firing at once),
    /// but not a re-send or an escalation.
    package static func pages(_ notices: [Notice], wasFiring: Bool) -> Bool {
        let fires = notices.contains { if case .firing = $0 { true } else { false } }
        return fires && (!wasFiring || notices.count > 1)
    }

    /// Ends an alert that started by `latestStart` at `time`, because a user said the stretch was
    /// normal; a pending one is dropped. Returns the resolution to publish, if an alert was open. No
    /// cool-down follows: the alert was not an incident. An alert that started after the stretch is
    /// about something else, and stays.
    package mutating func resolveByFeedback(at time: Double, startedBy latestStart: Double) -> Notice? {
        switch self {
        case .normal: return nil
        case .pending(let since, _):
            if since <= latestStart { self = .normal(quietUntil: -.infinity) }
            return nil
        case .firing(let since, _, let severity, _, _):
            guard since <= latestStart else { return nil }
            self = .normal(quietUntil: -.infinity)
            return .resolved(since: since, at: time, severity: severity)
        }
    }

    /// Advances the state by one scored sample at time `time`; returns what to publish, in order:
    /// nothing, one notice, or for a new incident inside an open alert, that alert's resolution and
    /// the new one's firing. `score` is the sample's score as reported; `unheld`, the score before
    /// the scorer's refractory hold (a held score stays below the fire threshold however surprising
    /// the sample was).
    package mutating func advance(score: Double, unheld: Double? = nil, at time: Double, rules: AlertRules) -> [Notice]
    {
        let unheld = unheld ?? score
        switch self {
        case .normal(let quietUntil):
            guard score >= rules.fireThreshold, time >= quietUntil else { return [] }
            self = .pending(since: time, count: 0)
            return advance(score: score, unheld: unheld, at: time, rules: rules)

        case .pending(let since, let count):
            guard score >= rules.fireThreshold else {
                self = .normal(quietUntil: -.infinity)
                return []
            }
            guard count + 1 >= rules.pendingSamples else {
                self = .pending(since: since, count: count + 1)
                return []
            }
            let severity = rules.severity(for: score)
            self = .firing(since: since, lastSent: time, severity: severity, calmSamples: 0, quietSamples: 0)
            return [.firing(since: since, severity: severity)]

        case .firing(let since, let lastSent, let severity, let calmSamples, let quietSamples):
            let fireLevel = unheld >= rules.fireThreshold
            if fireLevel && rules.newIncidentAfter > 0 && quietSamples >= rules.newIncidentAfter {
                let level = rules.severity(for: unheld)
                self = .firing(since: time, lastSent: time, severity: level, calmSamples: 0, quietSamples: 0)
                return [.resolved(since: since, at: time, severity: severity), .firing(since: time, severity: level)]
            }
            let quiet = fireLevel ? 0 : quietSamples + 1
            if score < rules.resolveThreshold {
                guard calmSamples + 1 >= rules.resolveSamples else {
                    self = .firing(
                        since: since, lastSent: lastSent, severity: severity, calmSamples: calmSamples + 1,
                        quietSamples: quiet)
                    return []
                }
                self = .normal(quietUntil: time + rules.coolDown)
                return [.resolved(since: since, at: time, severity: severity)]
            }
            let escalated = max(severity, score >= rules.fireThreshold ? rules.severity(for: score) : severity)
            if escalated > severity || time - lastSent >= rules.resendInterval {
                self = .firing(since: since, lastSent: time, severity: escalated, calmSamples: 0, quietSamples: quiet)
                return [.firing(since: since, severity: escalated)]
            }
            self = .firing(since: since, lastSent: lastSent, severity: severity, calmSamples: 0, quietSamples: quiet)
            return []
        }
    }
}
