/// What a series is told about a silence that holds for it.
package struct SilenceMatch: Sendable, Equatable {
    package let id: String
    /// Whether its series should stop learning while it lasts (the silence's marker and
    /// `alertmanager.silences_pause_learning` both say so).
    package let pausesLearning: Bool
    /// Unix seconds.
    package let endsAt: Double
}

/// The silences in force at one time, as `SilenceBook.current(now:)` hands them out: one
/// immutable object for as long as the answer stays the same, so that a series book asking
/// once per batch can compare `generation` (or the object) and skip the matching otherwise.
package final class ActiveSilences: Sendable {
    /// Differs whenever the answer to `silence(for:)` may differ.
    package let generation: UInt64
    /// The silences in force, in the book's order.
    package let silences: [Silence]
    /// `alertmanager.silences_pause_learning`: false, no silence pauses learning.
    package let pauseLearning: Bool

    package init(generation: UInt64, silences: [Silence], pauseLearning: Bool) {
        self.generation = generation
        self.silences = silences
        self.pauseLearning = pauseLearning
    }

    package var isEmpty: Bool { silences.isEmpty }

    /// The silence in force for a series whose alert would carry `labels` (`SeriesIdentity.alertLabels`);
    /// when several match, the one that ends last (and of those, the smallest id).
    package func silence(for labels: [(name: String, value: String)]) -> SilenceMatch? {
        var best: Silence?
        for silence in silences where silence.matches(labels) {
            if let chosen = best,
                chosen.endsAt > silence.endsAt || (chosen.endsAt == silence.endsAt && chosen.id <= silence.id)
            {
                continue
            }
            best = silence
        }
        return best.map {
            SilenceMatch(id: $0.id, pausesLearning: pauseLearning && $0.pausesLearning, endsAt: $0.endsAt)
        }
    }
}
