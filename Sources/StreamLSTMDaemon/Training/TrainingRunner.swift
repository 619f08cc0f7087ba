import StreamLSTM

/// Where a series book sends training jobs: the background scheduler when
/// live, the replaying thread itself when replaying (so a replay is
/// deterministic).
package protocol TrainingRunner: Sendable {
    /// Whether a job would be taken now: checked before a job is built, so
    /// that a runner which is behind costs the shard nothing.
    var hasRoom: Bool { get }

    /// Takes a job, or refuses it (false: the job is skipped and counted).
    /// `deliver` gets the result, from any thread, at most once.
    func submit(_ job: TrainingJob, deliver: @escaping @Sendable (TrainingResult) -> Void) -> Bool
}

extension TrainingScheduler: TrainingRunner {
    package var hasRoom: Bool { backlog < maxPending }
}

/// Runs each job at once on the calling thread. Replay uses it: the result is
/// adopted before the next sample, whatever the machine's speed, so the same
/// input always gives the same models and scores.
package final class InlineTrainer: TrainingRunner, @unchecked Sendable {
    // @unchecked: used only by the one thread that replays.
    private let trainer: Trainer

    package init(network: Network, maxWindow: Int) {
        trainer = Trainer(network: network, maxWindow: maxWindow)
    }

    package var hasRoom: Bool { true }

    package func submit(_ job: TrainingJob, deliver: @escaping @Sendable (TrainingResult) -> Void) -> Bool {
        deliver(trainer.run(job))
        return true
    }
}
