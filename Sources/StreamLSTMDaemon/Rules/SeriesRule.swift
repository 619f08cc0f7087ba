import StreamLSTMVocabulary

/// How one group of series alerts (`rules:` in the configuration): the series whose name and
/// labels its matchers select, and what it changes in their alerting. The model and the scorer
/// are the same for every series; a rule acts only on what the alert state is shown and sends.
package struct SeriesRule: Sendable, Equatable {
    /// Which way a deviation may alert: a latency that drops is good news.
    package enum Direction: String, Sendable, CaseIterable {
        /// Only values above the prediction.
        case up
        /// Only values below it.
        case down
        case both
    }

    /// The smallest deviation from the prediction that may alert, whatever its score: absolute (in
    /// the series' units), relative (a fraction of |predicted|), or both (each must be reached).
    package struct MinChange: Sendable, Equatable {
        package var absolute: Double?
        package var relative: Double?

        package init(absolute: Double? = nil, relative: Double? = nil) {
            self.absolute = absolute
            self.relative = relative
        }

        package var isNone: Bool { absolute == nil && relative == nil }

        /// Whether `value` is far enough from `predicted` to alert.
        package func isReached(value: Double, predicted: Double) -> Bool {
            let deviation = abs(value - predicted)
            if let absolute, deviation < absolute { return false }
            if let relative, deviation < relative * abs(predicted) { return false }
            return true
        }
    }

    /// Whether a series that stops sending alerts (`absent:` of a rule), read on the series
    /// (`SeriesState.absent`) when its silence is judged (`SeriesBook.sweep`).
    package enum AbsentSetting: Sendable, Equatable {
        /// What the daemon's own setting says (no rule, or a rule without `absent`).
        case inherit
        case off
        case on
        /// On, after this many of the series' usual intervals without a sample.
        case after(multiple: Double)

        /// After how many intervals without a sample the series is absent, given the daemon's
        /// `absent.enabled` and `absent.after`; nil: its silence is not judged.
        package func multiple(enabled: Bool, after: Double) -> Double? {
            switch self {
            case .inherit: enabled ? after : nil
            case .off: nil
            case .on: after
            case .after(let multiple): multiple
            }
        }
    }

    /// As `/series` and the logs name it; nil: `rules[i]`.
    package var name: String?
    /// All must hold (`{__name__=~"api_latency.*", env="prod"}`); none: every series.
    package var matchers: [SilenceMatcher]
    package var direction = Direction.both
    package var minChange = MinChange()
    package var fireThreshold: Double?
    package var criticalThreshold: Double?
    package var absent = AbsentSetting.inherit
    /// false: the series' model does not learn; nil: as the daemon does.
    package var training: Bool?
    /// Every alert of the series at this severity, whatever its score.
    package var severity: Severity?
    /// Added to the series' alert labels (over its own labels of the same name), for routing.
    package var labels: [String: String] = [:]

    package init(name: String? = nil, matchers: [SilenceMatcher]) {
        self.name = name
        self.matchers = matchers
    }

    /// The labels a rule's matchers see: `__name__` (the metric), the series' own labels as sent,
    /// and `series` (the whole key).
    package static func matchedLabels(of series: SeriesIdentity) -> [(name: String, value: String)] {
        [(name: "__name__", value: series.metric)] + series.labels + [(name: "series", value: series.key)]
    }

    /// The alert rules of a series under this rule: the daemon's, with its thresholds and severity.
    /// A fixed severity is a critical threshold that every alert (critical) or none (warning)
    /// reaches; the resolve threshold stays at or below the fire threshold.
    package func alertRules(over base: AlertRules) -> AlertRules {
        var rules = base
        if let fireThreshold { rules.fireThreshold = fireThreshold }
        if let criticalThreshold { rules.criticalThreshold = criticalThreshold }
        switch severity {
        case .critical?: rules.criticalThreshold = rules.fireThreshold
        case .warning?: rules.criticalThreshold = .infinity
        case nil: break
        }
        rules.resolveThreshold = min(rules.resolveThreshold, rules.fireThreshold)
        return rules
    }

    /// Whether a value this far from and on this side of its prediction may alert at all.
    package func admits(value: Double, predicted: Double) -> Bool {
        switch direction {
        case .up where value <= predicted: return false
        case .down where value >= predicted: return false
        default: break
        }
        return minChange.isReached(value: value, predicted: predicted)
    }
}

/// A rule that holds for a series, and where it stands in the list. A class: each series holds one
/// reference (8 bytes of its object, which every step reads), not a copy of the rule.
package final class MatchedRule: Sendable, Equatable {
    package let index: Int
    package let rule: SeriesRule

    package init(index: Int, rule: SeriesRule) {
        self.index = index
        self.rule = rule
    }

    package static func == (a: MatchedRule, b: MatchedRule) -> Bool { a.index == b.index && a.rule == b.rule }

    /// Its `name`, or `rules[i]`.
    package var name: String { rule.name ?? "rules[\(index)]" }
}

/// The rules of the configuration, in order: the first whose matchers hold for a series is its rule.
package struct SeriesRules: Sendable, Equatable {
    /// What `firstMatch` hands out: one object per rule, shared by all the series it matches.
    private let matched: [MatchedRule]

    package init(_ rules: [SeriesRule] = []) {
        matched = rules.enumerated().map { MatchedRule(index: $0.offset, rule: $0.element) }
    }

    package var rules: [SeriesRule] { matched.map(\.rule) }

    package var isEmpty: Bool { matched.isEmpty }

    package func firstMatch(for series: SeriesIdentity) -> MatchedRule? {
        guard !matched.isEmpty else { return nil }
        let labels = SeriesRule.matchedLabels(of: series)
        return matched.first { $0.rule.matchers.matches(labels) }
    }
}

extension SeriesRule {
    /// How the alerts of a series under `rule` are routed beside the daemon's own labels: the rule's
    /// labels, and the severity of its absent alert (critical where no rule sets one).
    package static func routing(_ rule: SeriesRule?) -> (labels: [String: String], severity: Severity) {
        (rule?.labels ?? [:], rule?.severity ?? .critical)
    }
}
