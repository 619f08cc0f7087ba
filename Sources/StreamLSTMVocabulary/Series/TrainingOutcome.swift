/// What happened to a series' chance to train, counted per outcome.
package enum TrainingOutcome: Int, CaseIterable, Sendable {
    /// A job was handed to the training queue.
    case started
    /// Its candidate weights are live now.
    case adopted
    /// Its candidate did worse on the held-out steps and was discarded.
    case rejected
    /// The live weights did clearly worse than the previous ones, which are live again.
    case rolledBack
    /// The model had changed by the time the result came back.
    case stale
    /// The training queue was full: no job, the samples go on without it.
    case skipped

    package var name: String {
        switch self {
        case .started: "started"
        case .adopted: "adopted"
        case .rejected: "rejected"
        case .rolledBack: "rolled_back"
        case .stale: "stale"
        case .skipped: "skipped"
        }
    }
}
