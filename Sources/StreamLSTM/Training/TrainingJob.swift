/// What a training run needs, copied out of a predictor so that it can run
/// on any thread while the predictor keeps stepping. The weights and moments
/// are the series' own 16-bit arrays, shared with it (copy on write): the
/// trainer makes the 32-bit copies it computes with.
public struct TrainingJob: Sendable {
    public let network: Network
    public let config: TrainingConfig
    /// Live weights and optimiser state as they were when the job was made.
    public let weights: [Float16]
    public let moments: StoredMoments
    /// The weights before the last adopted result: what a rollback returns to.
    public let previousWeights: [Float16]
    /// The window's inputs, oldest first (`targets.count × network.inputSize`).
    public let inputs: [Float]
    /// The normalised value that followed each input.
    public let targets: [Float]
    /// The recurrent state before the window's first input.
    public let initialState: [Float]
    /// The model version the job started from; a result for an older version is stale.
    public let baseVersion: Int
    /// Seeds the stochastic rounding of the result to 16 bits: the same job rounds the same way.
    public let roundingSeed: UInt64

    /// The live weights in 32 bits.
    public var parameters: [Float] { HalfPrecision.widened(weights) }

    /// The same job under other optimiser settings (learning rate, clip,
    /// held-out steps): a reload changes them for every series at once. The
    /// window and interval must stay as the history was kept.
    public func tuned(_ settings: TrainingConfig) -> TrainingJob {
        precondition(
            settings.window == config.window && settings.every == config.every,
            "a job's window and interval cannot change")
        return TrainingJob(
            network: network, config: settings, weights: weights, moments: moments,
            previousWeights: previousWeights, inputs: inputs, targets: targets,
            initialState: initialState, baseVersion: baseVersion, roundingSeed: roundingSeed)
    }

    /// The same window again, starting from a result's weights: for several
    /// passes over one window, and for benchmarks.
    public func continued(with result: TrainingResult) -> TrainingJob {
        TrainingJob(
            network: network, config: config, weights: result.weights, moments: result.moments,
            previousWeights: previousWeights, inputs: inputs, targets: targets,
            initialState: initialState, baseVersion: baseVersion, roundingSeed: roundingSeed &+ 1)
    }
}

/// New weights from a training job, to be adopted between two samples, and
/// how the weights did on the window's held-out steps.
public struct TrainingResult: Sendable {
    /// The candidate weights, in the 16 bits the series will step on: the
    /// held-out losses judged exactly these.
    public let weights: [Float16]
    public let moments: StoredMoments
    public let baseVersion: Int
    /// Training loss with the job's weights, before the update.
    public let loss: Float
    /// Gradient norm before clipping.
    public let gradientNorm: Float
    /// Held-out loss of the candidate, the live and the previous weights (all nil without held-out steps).
    public let candidateLoss: Float?
    public let liveLoss: Float?
    public let previousLoss: Float?

    /// The candidate weights in 32 bits.
    public var parameters: [Float] { HalfPrecision.widened(weights) }
}

/// Runs training jobs: truncated BPTT, gradient clipping and one Adam step.
/// Holds the buffers for that, so one trainer per training thread.
public final class Trainer {
    public let network: Network
    private let bptt: BPTT<Float>
    // 32-bit copies of a job's weights and moments, reused from job to job: a job would otherwise
    // allocate and free about ten model-sized arrays, and a heap that grows and shrinks by that much
    // pays page faults for each.
    private var live: [Float]
    private var candidate: [Float]
    private var previous: [Float]
    private var optimizer: AdamState<Float>

    public init(network: Network, maxWindow: Int) {
        self.network = network
        bptt = BPTT(network: network, maxWindow: maxWindow)
        live = [Float](repeating: 0, count: network.parameterCount)
        candidate = live
        previous = live
        optimizer = AdamState(parameterCount: network.parameterCount)
    }

    public func run(_ job: TrainingJob) -> TrainingResult {
        precondition(job.network == network, "a trainer runs jobs of its own network only")
        let heldOut = job.config.heldOut
        let trained = job.targets.count - heldOut
        HalfPrecision.widen(job.weights, into: &live)
        // Train on the older steps only; the held-out ones judge the result.
        let loss =
            heldOut == 0
            ? bptt.lossAndGradient(
                parameters: live, inputs: job.inputs, targets: job.targets, initialState: job.initialState)
            : bptt.lossAndGradient(
                parameters: live, inputs: Array(job.inputs.prefix(trained * network.inputSize)),
                targets: Array(job.targets.prefix(trained)), initialState: job.initialState)
        let norm = bptt.clipGradient(maxNorm: Float(job.config.gradientClip))
        candidate.withUnsafeMutableBufferPointer { c in
            live.withUnsafeBufferPointer { c.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        }
        if job.moments.isEmpty {
            optimizer.reset(parameterCount: network.parameterCount)  // a series' first training run
        } else {
            job.moments.widen(into: &optimizer)
        }
        optimizer.update(&candidate, gradient: bptt.gradient, config: job.config.optimizer)
        var rng = SplitMix64(seed: job.roundingSeed)
        let weights = HalfPrecision.roundedStochastically(candidate, using: &rng)
        let moments = StoredMoments(optimizer, using: &rng)
        var candidateLoss: Float?
        var liveLoss: Float?
        var previousLoss: Float?
        if heldOut > 0 {
            func heldOutLoss(_ weights: [Float]) -> Float {
                bptt.loss(
                    parameters: weights, inputs: job.inputs, targets: job.targets,
                    initialState: job.initialState, scoredFrom: trained)
            }
            // The candidate as it would go live: rounded to 16 bits.
            HalfPrecision.widen(weights, into: &candidate)
            HalfPrecision.widen(job.previousWeights, into: &previous)
            candidateLoss = heldOutLoss(candidate)
            liveLoss = heldOutLoss(live)
            previousLoss = heldOutLoss(previous)
        }
        return TrainingResult(
            weights: weights, moments: moments, baseVersion: job.baseVersion, loss: loss, gradientNorm: norm,
            candidateLoss: candidateLoss, liveLoss: liveLoss, previousLoss: previousLoss)
    }
}
