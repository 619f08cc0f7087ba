/// What a training run needs, copied out of a predictor so that it can run
/// on any thread while the predictor keeps stepping.
public struct TrainingJob: Sendable {
    public let network: Network
    public let config: TrainingConfig
    /// Weights and optimiser state as they were when the job was made.
    public let parameters: [Float]
    public let optimizer: AdamState<Float>
    /// The weights before the last adopted result: what a rollback returns to.
    public let previousParameters: [Float]
    /// The window's inputs, oldest first (`targets.count × network.inputSize`).
    public let inputs: [Float]
    /// The normalised value that followed each input.
    public let targets: [Float]
    /// The recurrent state before the window's first input.
    public let initialState: [Float]
    /// The model version the job started from; a result for an older version is stale.
    public let baseVersion: Int

    /// The same job under other optimiser settings (learning rate, clip,
    /// held-out steps): a reload changes them for every series at once. The
    /// window and interval must stay as the history was kept.
    public func tuned(_ settings: TrainingConfig) -> TrainingJob {
        precondition(
            settings.window == config.window && settings.every == config.every,
            "a job's window and interval cannot change")
        return TrainingJob(
            network: network, config: settings, parameters: parameters, optimizer: optimizer,
            previousParameters: previousParameters, inputs: inputs, targets: targets,
            initialState: initialState, baseVersion: baseVersion)
    }

    /// The same window again, starting from a result's weights: for several
    /// passes over one window, and for benchmarks.
    public func continued(with result: TrainingResult) -> TrainingJob {
        TrainingJob(
            network: network, config: config, parameters: result.parameters, optimizer: result.optimizer,
            previousParameters: previousParameters, inputs: inputs, targets: targets,
            initialState: initialState, baseVersion: baseVersion)
    }
}

/// New weights from a training job, to be adopted between two samples, and
/// how the weights did on the window's held-out steps.
public struct TrainingResult: Sendable {
    public let parameters: [Float]
    public let optimizer: AdamState<Float>
    public let baseVersion: Int
    /// Training loss with the job's weights, before the update.
    public let loss: Float
    /// Gradient norm before clipping.
    public let gradientNorm: Float
    /// Held-out loss of the candidate, the live and the previous weights (all nil without held-out steps).
    public let candidateLoss: Float?
    public let liveLoss: Float?
    public let previousLoss: Float?
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
        let heldOut = job.config.heldOut
        let trained = job.targets.count - heldOut
        // Train on the older steps only; the held-out ones judge the result.
        let loss =
            heldOut == 0
            ? bptt.lossAndGradient(
                parameters: job.parameters, inputs: job.inputs, targets: job.targets,
                initialState: job.initialState)
            : bptt.lossAndGradient(
                parameters: job.parameters,
                inputs: Array(job.inputs.prefix(trained * network.inputSize)),
                targets: Array(job.targets.prefix(trained)), initialState: job.initialState)
        let norm = bptt.clipGradient(maxNorm: Float(job.config.gradientClip))
        // The job shares these arrays with the live predictor: the update copies them once.
        var parameters = job.parameters
        var optimizer = job.optimizer
        if optimizer.firstMoment.isEmpty {
            optimizer = AdamState(parameterCount: parameters.count)  // this series' first training run
        }
        optimizer.update(&parameters, gradient: bptt.gradient, config: job.config.optimizer)
        var candidateLoss: Float?
        var liveLoss: Float?
        var previousLoss: Float?
        if heldOut > 0 {
            func heldOutLoss(_ weights: [Float]) -> Float {
                bptt.loss(
                    parameters: weights, inputs: job.inputs, targets: job.targets,
                    initialState: job.initialState, scoredFrom: trained)
            }
            candidateLoss = heldOutLoss(parameters)
            liveLoss = heldOutLoss(job.parameters)
            previousLoss = heldOutLoss(job.previousParameters)
        }
        return TrainingResult(
            parameters: parameters, optimizer: optimizer, baseVersion: job.baseVersion,
            loss: loss, gradientNorm: norm, candidateLoss: candidateLoss, liveLoss: liveLoss,
            previousLoss: previousLoss)
    }
}
