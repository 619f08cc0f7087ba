/// What a training run needs, copied out of a predictor so that it can run
/// on any thread while the predictor keeps stepping.
public struct TrainingJob: Sendable {
    public let network: Network
    public let config: TrainingConfig
    /// Weights and optimiser state as they were when the job was made.
    public let parameters: [Float]
    public let optimizer: AdamState<Float>
    /// The window's inputs, oldest first (`targets.count × network.inputSize`).
    public let inputs: [Float]
    /// The normalised value that followed each input.
    public let targets: [Float]
    /// The recurrent state before the window's first input.
    public let initialState: [Float]
    /// The model version the job started from; a result for an older version is stale.
    public let baseVersion: Int

    /// The same window again, starting from a result's weights: for several
    /// passes over one window, and for benchmarks.
    public func continued(with result: TrainingResult) -> TrainingJob {
        TrainingJob(network: network, config: config, parameters: result.parameters, optimizer: result.optimizer,
                    inputs: inputs, targets: targets, initialState: initialState, baseVersion: baseVersion)
    }
}

/// New weights from a training job, to be adopted between two samples.
public struct TrainingResult: Sendable {
    public let parameters: [Float]
    public let optimizer: AdamState<Float>
    public let baseVersion: Int
    /// Window loss with the job's weights, before the update.
    public let loss: Float
    /// Gradient norm before clipping.
    public let gradientNorm: Float
}

/// Runs training jobs: truncated BPTT, gradient clipping and one Adam step.
/// Holds the buffers for that, so one trainer per training thread.
public final class Trainer {
    public let network: Network
    private let bptt: BPTT<Float>

    public init(network: Network, maxWindow: Int) {
        self.network = network
        bptt = BPTT(network: network, maxWindow: maxWindow)
    }

    public func run(_ job: TrainingJob) -> TrainingResult {
        precondition(job.network == network, "a trainer runs jobs of its own network only")
        let loss = bptt.lossAndGradient(parameters: job.parameters, inputs: job.inputs,
                                        targets: job.targets, initialState: job.initialState)
        let norm = bptt.clipGradient(maxNorm: Float(job.config.gradientClip))
        // The job shares these arrays with the live predictor: the update copies them once.
        var parameters = job.parameters
        var optimizer = job.optimizer
        if optimizer.firstMoment.isEmpty {
            optimizer = AdamState(parameterCount: parameters.count)  // this series' first training run
        }
        optimizer.update(&parameters, gradient: bptt.gradient, config: job.config.optimizer)
        return TrainingResult(parameters: parameters, optimizer: optimizer, baseVersion: job.baseVersion,
                              loss: loss, gradientNorm: norm)
    }
}
