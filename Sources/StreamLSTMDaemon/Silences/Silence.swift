/// A time during which alerts of the series it matches are silenced, as Alertmanager has it, and
/// while which those series do not learn: what a series sees during maintenance is not its normal.
///
/// A silence whose comment contains `streamlstmd:keep-learning` (`keepLearningMarker`) leaves
/// learning alone: for a silence that only quiets the pager while the series behaves as usual.
package struct Silence: Sendable, Equatable {
    /// Where a silence comes from: made on this daemon, or polled from an Alertmanager (its URL).
    package enum Source: Sendable, Hashable, CustomStringConvertible {
        case local
        case alertmanager(String)

        package var description: String {
            switch self {
            case .local: "local"
            case .alertmanager(let url): url
            }
        }
    }

    package enum State: String, Sendable {
        case pending, active, expired
    }

    /// The marker that, anywhere in a silence's comment, keeps its series learning.
    package static let keepLearningMarker = "streamlstmd:keep-learning"

    package let id: String
    package let matchers: [SilenceMatcher]
    /// Unix seconds; in force from `startsAt` (included) to `endsAt` (excluded).
    package let startsAt: Double
    package let endsAt: Double
    package let comment: String
    package let createdBy: String
    package let source: Source

    /// False when the comment carries `streamlstmd:keep-learning`.
    package var pausesLearning: Bool { !comment.contains(Self.keepLearningMarker) }

    package func state(at now: Double) -> State {
        if now >= endsAt { return .expired }
        if now < startsAt { return .pending }
        return .active
    }

    /// Whether it holds for an alert carrying `labels` (whatever the time).
    package func matches(_ labels: [(name: String, value: String)]) -> Bool {
        matchers.matches(labels)
    }
}
