import StreamLSTM
import StreamLSTMVocabulary

/// What a series' rule makes of one of its samples, worked out once before the step: the alert
/// rules it is judged by, the scores the alert state is shown, whether it may learn and the
/// labels its alerts carry. Without a rule, the daemon's settings unchanged.
package struct RuleApplication {
    package let alerts: AlertRules
    /// The series' rule, by reference: no copy of it (its matchers and labels) per sample.
    private let matched: MatchedRule?

    package init(_ matched: MatchedRule?, over base: AlertRules) {
        self.matched = matched
        alerts = matched.map { $0.rule.alertRules(over: base) } ?? base
    }

    /// The score and unheld score the alert state sees: the scorer's, or 0 for a deviation the rule
    /// lets pass (the wrong direction, smaller than `min_change`). With nothing predicted yet there
    /// is no deviation to judge, and the scorer's scores stand.
    package func scores(of result: StepResult, value: Double) -> (score: Double, unheld: Double) {
        guard let matched, let predicted = result.predicted, !matched.rule.admits(value: value, predicted: predicted)
        else {
            return (result.anomaly.score, result.anomaly.unheldScore)
        }
        return (0, 0)
    }

    /// `training: off` keeps the series' model as it is.
    package var trains: Bool { matched?.rule.training ?? true }

    /// Labels the series' alerts carry beside the daemon's.
    package var labels: [String: String] { SeriesRule.routing(matched?.rule).labels }
}
