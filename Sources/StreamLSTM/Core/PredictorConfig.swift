/// When and how a predictor's model learns.
public struct TrainingConfig: Sendable, Hashable, Codable {
    /// Train every `every` samples (K); 0 turns learning off.
    public var every: Int
    /// Truncated-BPTT window (W), a multiple of `every`.
    public var window: Int
    public var optimizer: AdamConfig
    /// Gradient-norm clip.
    public var gradientClip: Double
    /// The newest steps of each window, kept out of training to judge the
    /// candidate weights against the live ones; 0 adopts every result.
    public var heldOut: Int

    public init(
        every: Int = 8, window: Int = 64, optimizer: AdamConfig = AdamConfig(), gradientClip: Double = 1,
        heldOut: Int = 8
    ) {
        self.every = every
        self.window = window
        self.optimizer = optimizer
        self.gradientClip = gradientClip
        self.heldOut = heldOut
    }

    public var enabled: Bool { every > 0 }

    public var problem: String? {
        if every < 0 { return "training interval \(every) is negative" }
        if window < 1 || window > 4096 { return "training window \(window) is outside 1...4096" }
        if every > 0 && window % every != 0 {
            return "training window \(window) is not a multiple of the interval \(every)"
        }
        if !(optimizer.learningRate > 0) { return "learning rate \(optimizer.learningRate) is not positive" }
        if !(optimizer.beta1 >= 0 && optimizer.beta1 < 1 && optimizer.beta2 >= 0 && optimizer.beta2 < 1) {
            return "Adam betas must lie in [0, 1)"
        }
        if !(optimizer.epsilon > 0) { return "Adam epsilon is not positive" }
        if !(gradientClip > 0) { return "gradient clip \(gradientClip) is not positive" }
        if heldOut < 0 || heldOut >= window { return "held-out steps \(heldOut) must lie in 0..<window (\(window))" }
        return nil
    }
}

/// Everything that defines how one series is modelled and scored.
public struct PredictorConfig: Sendable, Hashable, Codable {
    public var model: ModelConfig
    /// Feed time of day and day of week (as sines and cosines) beside the value.
    public var timeFeatures: Bool
    public var normalizer: NormalizerConfig
    public var scorer: ScorerConfig
    public var training: TrainingConfig
    /// Seed of the weight initialisation: the same seed gives the same model.
    public var seed: UInt64

    public init(
        model: ModelConfig = ModelConfig(), timeFeatures: Bool = false,
        normalizer: NormalizerConfig = NormalizerConfig(), scorer: ScorerConfig = ScorerConfig(),
        training: TrainingConfig = TrainingConfig(), seed: UInt64 = 0x5EED
    ) {
        self.model = model
        self.timeFeatures = timeFeatures
        self.normalizer = normalizer
        self.scorer = scorer
        self.training = training
        self.seed = seed
    }

    /// The value, then sin/cos of time of day and of day of week.
    public var inputSize: Int { timeFeatures ? 5 : 1 }

    /// The first reason this configuration is unusable, or nil.
    public var problem: String? {
        model.problem ?? normalizer.problem ?? scorer.problem ?? training.problem
    }
}
