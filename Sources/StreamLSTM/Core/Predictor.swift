import CPrefetch
import RealModule

/// Why a predictor refused a sample.
public enum PredictorError: Error, Sendable, Hashable {
    case nonFiniteValue
    /// A value beyond ±`Predictor.largestValue`: its square would overflow the statistics.
    case valueOutOfRange
    case nonFiniteTimestamp
}

/// What one step of a predictor says about a sample.
public struct StepResult: Sendable, Hashable {
    /// What the model had predicted for this sample; nil for a series' first sample.
    public var predicted: Double?
    /// `value − predicted` (0 when nothing was predicted).
    public var residual: Double
    /// Band of normal values around the prediction (±3 RMS residuals).
    public var lower: Double
    public var upper: Double
    public var anomaly: AnomalyScore
    /// The model's forecast of the next sample.
    public var forecast: Double
}

/// The per-series object the daemon holds: normaliser → recurrent network
/// (state carried from sample to sample) → prediction → residual → score,
/// plus what learning needs (a window of recent inputs, targets and state
/// snapshots).
///
/// Owned by one thread. Learning happens elsewhere: `makeTrainingJob()`
/// copies out what a job needs, any thread may run it, and `adopt(_:)` swaps
/// the new weights in between two steps.
///
/// Between jobs a series keeps its weights, its previous weights and Adam's
/// moments in 16 bits (`Float16`): every step streams the live weights from
/// memory, and a daemon holds one model per series, so half the bytes is
/// about half the memory traffic and the memory. Jobs compute in 32 bits.
public final class Predictor {
    public let config: PredictorConfig
    public let network: Network
    /// The live weights: what every step reads.
    public internal(set) var weights: [Float16]
    /// The weights before the last adopted result, kept so that the series can roll back.
    public internal(set) var previousWeights: [Float16]
    public internal(set) var moments: StoredMoments
    /// The recurrent state after the last sample.
    public internal(set) var state: [Float]
    public internal(set) var normalizer: Normalizer
    public internal(set) var scorer: AnomalyScorer
    /// Samples seen.
    public internal(set) var sampleCount: Int = 0
    /// Incremented at every adopted training result.
    public internal(set) var modelVersion: Int = 0
    /// Forecast of the next value; nil before the first sample.
    public internal(set) var forecast: Double?
    /// Exponentially weighted mean squared residual, in the series' units.
    public internal(set) var residualMeanSquare: Double = 0
    /// Learning history: ring buffers indexed by sample number.
    var historyInputs: [Float]
    var historyTargets: [Float]
    var stateSnapshots: [Float]
    /// Sample count at which the last training job was made.
    var lastJobAt: Int = 0
    /// The weights are still the shared initial ones (`init(config:initialWeights:)`): the series
    /// holds no copy of its own until its first adopted result.
    public private(set) var sharesInitialWeights = false

    /// A new series' predictor. `initialWeights`, when given, are the
    /// starting weights (a prior shared by many series: the array's storage
    /// is shared until this series' first training result replaces it);
    /// otherwise the weights are initialised from `config.seed`.
    public init(config: PredictorConfig = PredictorConfig(), initialWeights: [Float16]? = nil) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        network = Network(inputSize: config.inputSize, model: config.model)
        if let initialWeights {
            precondition(initialWeights.count == network.parameterCount, "initial weights of the wrong size")
            weights = initialWeights
            sharesInitialWeights = true
        } else {
            weights = Self.initialWeights(network, seed: config.seed)
        }
        previousWeights = weights  // shared storage until the first adoption
        let learning = config.training.enabled
        // Adam's moments are made by the first training run (see Trainer.run): a series
        // that has never trained carries none.
        moments = .none
        state = [Float](repeating: 0, count: network.stateSize)
        normalizer = Normalizer(config: config.normalizer)
        scorer = AnomalyScorer(config: config.scorer)
        historyInputs = [Float](repeating: 0, count: learning ? Self.historySlots(config) * network.inputSize : 0)
        historyTargets = [Float](repeating: 0, count: learning ? Self.historySlots(config) : 0)
        stateSnapshots = [Float](repeating: 0, count: learning ? Self.snapshotSlots(config) * network.stateSize : 0)
    }

    /// A predictor whose whole state a record is about to fill in (`init(serialized:)`):
    /// nothing the record replaces is made first, least of all initial weights.
    init(restoring config: PredictorConfig) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        network = Network(inputSize: config.inputSize, model: config.model)
        weights = []
        previousWeights = []
        moments = .none
        state = []
        normalizer = Normalizer(config: config.normalizer)
        scorer = AnomalyScorer(config: config.scorer)
        historyInputs = []
        historyTargets = []
        stateSnapshots = []
    }

    /// A network's initial weights from `seed`, in the 16 bits a series steps on.
    public static func initialWeights(_ network: Network, seed: UInt64) -> [Float16] {
        HalfPrecision.roundedToNearest(network.initialParameters(seed: seed))
    }

    /// The live weights in 32 bits.
    public var parameters: [Float] { HalfPrecision.widened(weights) }
    /// The previous weights in 32 bits.
    public var previousParameters: [Float] { HalfPrecision.widened(previousWeights) }
    /// Adam's state in 32 bits.
    public var optimizer: AdamState<Float> { moments.widened }

    /// A copy that shares every array with this predictor until either side
    /// changes it (copy on write): cheap to take on the thread that owns the
    /// predictor, for a checkpoint that another thread writes.
    public func snapshot() -> Predictor {
        Predictor(copying: self)
    }

    private init(copying other: Predictor) {
        config = other.config
        network = other.network
        weights = other.weights
        previousWeights = other.previousWeights
        moments = other.moments
        state = other.state
        normalizer = other.normalizer
        scorer = other.scorer
        sampleCount = other.sampleCount
        modelVersion = other.modelVersion
        forecast = other.forecast
        residualMeanSquare = other.residualMeanSquare
        historyInputs = other.historyInputs
        historyTargets = other.historyTargets
        stateSnapshots = other.stateSnapshots
        lastJobAt = other.lastJobAt
        sharesInitialWeights = other.sharesInitialWeights
    }

    /// The largest magnitude a value may have: squares of larger ones overflow a Double.
    public static let largestValue = 1e100

    /// The window plus the newest input, whose target is not known yet.
    static func historySlots(_ config: PredictorConfig) -> Int { config.training.window + 1 }
    /// Snapshots are taken every K samples; a window spans W/K intervals.
    static func snapshotSlots(_ config: PredictorConfig) -> Int {
        config.training.window / config.training.every + 1
    }

    /// Judges `value` against the forecast made for it, then learns the
    /// value's level and advances the model. Allocates nothing.
    /// `alertThreshold`: where the caller's alerts fire, for the scorer's
    /// refractory rule (by default the scorer configuration's). `learns`
    /// false (a silenced series): the value is judged and the model advances,
    /// but neither the normaliser's level nor the scorer's fits learn it.
    @discardableResult
    public func step(
        value: Double, timestamp: Double, workspace: Workspace,
        alertThreshold: Double? = nil, learns: Bool = true
    ) throws(PredictorError) -> StepResult {
        guard value.isFinite else { throw .nonFiniteValue }
        guard abs(value) <= Self.largestValue else { throw .valueOutOfRange }
        guard timestamp.isFinite else { throw .nonFiniteTimestamp }
        precondition(workspace.serves(network), "a workspace too small for this predictor's network")

        // 1. Judge the value against what was forecast for it.
        let predicted = forecast
        let residual = predicted.map { value - $0 } ?? 0
        let anomaly = scorer.score(
            value: value, predicted: predicted, timestamp: timestamp, threshold: alertThreshold, learns: learns)
        if predicted != nil && learns {
            let weight = max(1 / Double(sampleCount), 1 / config.normalizer.timeConstant)
            residualMeanSquare += weight * (residual * residual - residualMeanSquare)
        }
        let learning = config.training.enabled
        if learning && sampleCount > 0 {
            // The value is the target of the previous input, on the scale that input was made with.
            historyTargets[(sampleCount - 1) % historyTargets.count] = Float(normalizer.normalize(value))
        }

        // 2. Learn the level, build the input, advance the network.
        if learns { normalizer.observe(value) }
        fillInput(value: value, timestamp: timestamp, into: workspace.input)
        if learning {
            let slot = sampleCount % historyTargets.count
            for k in 0..<network.inputSize { historyInputs[slot * network.inputSize + k] = workspace.input[k] }
            if sampleCount % config.training.every == 0 {
                let snapshot = (sampleCount / config.training.every) % Self.snapshotSlots(config)
                for k in 0..<network.stateSize { stateSnapshots[snapshot * network.stateSize + k] = state[k] }
            }
        }
        let output = advance(workspace: workspace)
        #if STREAMLSTM_CHECKS
            precondition(output.isFinite && state.allSatisfy(\.isFinite), "non-finite model output or state")
        #endif
        sampleCount += 1
        let next = normalizer.denormalize(Double(output))
        forecast = next

        let band = 3 * residualMeanSquare.squareRoot()
        let centre = predicted ?? value
        return StepResult(
            predicted: predicted, residual: residual, lower: centre - band, upper: centre + band,
            anomaly: anomaly, forecast: next)
    }

    private func advance(workspace: Workspace) -> Float {
        weights.withUnsafeBufferPointer { p in
            state.withUnsafeMutableBufferPointer { s in
                network.forward(
                    p.baseAddress!, input: workspace.input.baseAddress!, state: s.baseAddress!,
                    cache: workspace.cache.baseAddress!, scratch: workspace.scratch.baseAddress!)
            }
        }
    }

    /// Bytes of the object's fields but its array references: its header, configuration, network
    /// shape, normaliser, scorer, moments and eight scalars (counts, versions, forecast, residual statistics).
    private static let fieldBytes =
        16 + MemoryLayout<PredictorConfig>.size + MemoryLayout<Network>.size + MemoryLayout<Normalizer>.size
        + MemoryLayout<AnomalyScorer>.size + MemoryLayout<StoredMoments>.size + 8 * 8

    /// Bytes of the object itself, about (its fields and six array references): what `prefetchObject()` asks for.
    static let objectBytes = fieldBytes + 6 * 8

    /// Starts bringing this object (its scalars, the scorer's state) into the CPU's caches and returns
    /// at once, touching none of its memory: a shard asks for it two samples before the series steps.
    public func prefetchObject() {
        Prefetch.bytes(UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()), Self.objectBytes)
    }

    /// Starts bringing what a step at `timestamp` reads and writes in this series' arrays into the
    /// caches: every live weight, the recurrent state, the history slots and the scorer's lines.
    /// Reads only the object (which `prefetchObject()` brought in one sample earlier).
    public func prefetchStorage(forSampleAt timestamp: Double) {
        Prefetch.array(&weights, elements: 0..<network.parameterCount)
        Prefetch.array(&state, elements: 0..<network.stateSize)
        if config.training.enabled {
            let slots = Self.historySlots(config)
            let slot = sampleCount % slots
            let targetSlot = (sampleCount + slots - 1) % slots  // the previous input's, which this sample fills
            Prefetch.array(&historyTargets, elements: targetSlot..<(targetSlot + 1))
            Prefetch.array(&historyInputs, elements: (slot * network.inputSize)..<((slot + 1) * network.inputSize))
        }
        scorer.prefetch(forSampleAt: timestamp)
    }

    /// The model's input: the normalised value, then (with time features)
    /// sin and cos of the time of day and of the day of the week, in UTC.
    private func fillInput(value: Double, timestamp: Double, into input: UnsafeMutableBufferPointer<Float>) {
        input[0] = Float(normalizer.normalize(value))
        guard config.timeFeatures else { return }
        let day = 86_400.0
        let week = 604_800.0
        let dayAngle = 2 * Double.pi * (timestamp.truncatingRemainder(dividingBy: day) / day)
        // Unix time 0 was a Thursday; shift so the weekly cycle starts on Monday.
        let weekAngle = 2 * Double.pi * ((timestamp + 3 * day).truncatingRemainder(dividingBy: week) / week)
        input[1] = Float(Double.sin(dayAngle))
        input[2] = Float(Double.cos(dayAngle))
        input[3] = Float(Double.sin(weekAngle))
        input[4] = Float(Double.cos(weekAngle))
    }

    /// Applies a user's verdict on the samples stamped `from...to` to the scorer (see
    /// `AnomalyScorer.learn`); `threshold`: where the caller's alerts fire.
    @discardableResult
    public func learn(_ verdict: Verdict, from: Double, to: Double, threshold: Double? = nil) -> VerdictEffect {
        scorer.learn(verdict, from: from, to: to, threshold: threshold)
    }

    /// Whether a training job is due now (every K samples once a window is full).
    public var trainingDue: Bool {
        guard config.training.enabled else { return false }
        let complete = sampleCount - 1  // inputs whose following value is known
        return complete >= config.training.window && complete % config.training.every == 0
            && sampleCount > lastJobAt
    }

    /// Passes over a due job (the trainer is behind); true if one was due.
    @discardableResult
    public func skipTrainingJob() -> Bool {
        guard trainingDue else { return false }
        lastJobAt = sampleCount
        return true
    }

    /// Copies out what training on the latest window needs, if it is due.
    /// The predictor keeps stepping meanwhile; its live state is not touched.
    public func makeTrainingJob() -> TrainingJob? {
        guard trainingDue else { return nil }
        lastJobAt = sampleCount
        let window = config.training.window
        let inputSize = network.inputSize
        let first = sampleCount - 1 - window
        var inputs = [Float]()
        var targets = [Float]()
        inputs.reserveCapacity(window * inputSize)
        targets.reserveCapacity(window)
        for n in first..<(first + window) {
            let slot = n % historyTargets.count
            inputs.append(contentsOf: historyInputs[(slot * inputSize)..<((slot + 1) * inputSize)])
            targets.append(historyTargets[slot])
        }
        let snapshot = (first / config.training.every) % Self.snapshotSlots(config)
        let stateSize = network.stateSize
        let initialState = Array(stateSnapshots[(snapshot * stateSize)..<((snapshot + 1) * stateSize)])
        // The rounding differs from job to job and is the same in a replay.
        let roundingSeed = config.seed ^ (UInt64(sampleCount) &* 0x9E37_79B9_7F4A_7C15)
        return TrainingJob(
            network: network, config: config.training, weights: weights, moments: moments,
            previousWeights: previousWeights, inputs: inputs, targets: targets,
            initialState: initialState, baseVersion: modelVersion, roundingSeed: roundingSeed)
    }

    /// What became of a training result.
    public enum Adoption: Sendable, Hashable {
        /// The candidate did at least as well as the live weights on the held-out steps: it is live now.
        case adopted
        /// The candidate did worse, and so did the previous weights: nothing changed.
        case rejected
        /// The candidate did worse than the live weights, which did clearly worse than the
        /// previous ones: the previous weights are live again.
        case rolledBack
        /// The model changed after the job was made: a stale result never replaces newer weights.
        case stale
    }

    /// Held-out loss ratio above which the live weights count as clearly worse than the previous ones.
    static let rollbackMargin: Float = 1.25

    /// Judges a training result on its held-out losses and takes, keeps or
    /// rolls back the weights accordingly. Every change bumps `modelVersion`.
    @discardableResult
    public func adopt(_ result: TrainingResult) -> Adoption {
        guard result.baseVersion == modelVersion, result.weights.count == weights.count else { return .stale }
        if let candidate = result.candidateLoss, let live = result.liveLoss, !(candidate <= live) {
            guard let previous = result.previousLoss, previous * Self.rollbackMargin < live else { return .rejected }
            HalfPrecision.copy(previousWeights, into: &weights)
            modelVersion += 1
            return .rolledBack
        }
        // Into the series' own arrays (see HalfPrecision.copy): learning never reallocates them.
        HalfPrecision.copy(weights, into: &previousWeights)
        HalfPrecision.copy(result.weights, into: &weights)
        moments.overwrite(with: result.moments)
        modelVersion += 1
        sharesInitialWeights = false
        return .adopted
    }

    /// A series restored before it ever learned holds a copy of the initial weights it started from;
    /// it shares `initial` again instead (what it held before the restart), when they are equal.
    public func shareInitialWeights(_ initial: [Float16]) {
        guard modelVersion == 0, !sharesInitialWeights, weights == initial, previousWeights == initial else { return }
        weights = initial
        previousWeights = initial
        sharesInitialWeights = true
    }

    /// Bytes this series holds of its own: `ownedBytes` less the initial weights it still shares
    /// (its live and previous weights), what a memory budget charges it.
    public var ownBytes: Int {
        sharesInitialWeights ? ownedBytes - 2 * (weights.capacity * 2 + 32) : ownedBytes
    }

    /// Bytes of memory this series holds: its arrays' storage, their headers
    /// and the object itself, counting the weights in full even while they
    /// are still shared with other series (a prior). The network's shape,
    /// always shared, is not counted; malloc's own rounding is not either.
    public var ownedBytes: Int {
        let halves: [Int] = [
            weights.capacity, previousWeights.capacity, moments.first.capacity, moments.secondRoot.capacity,
            scorer.daily.counts.capacity,
        ]
        let floats: [Int] = [
            state.capacity, historyInputs.capacity, historyTargets.capacity,
            stateSnapshots.capacity, scorer.likelihood.recentRaw.capacity,
            scorer.daily.means.capacity,
        ]
        let arrayHeader = 32  // per array
        let storage =
            halves.reduce(0) { $0 + $1 * 2 + arrayHeader }  // Float16 and UInt16
            + floats.reduce(0) { $0 + $1 * MemoryLayout<Float>.stride + arrayHeader }
        return storage + Self.fieldBytes + scorer.verdictMemoryBytes
    }
}
