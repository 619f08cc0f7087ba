import Testing

@testable import StreamLSTM

@Suite("16-bit weights and moments")
struct HalfPrecisionTests {
    /// The forecast the 32-bit network makes from `predictor`'s weights widened, for the next sample.
    static func float32Forecast(_ predictor: Predictor, value: Double) -> Double {
        precondition(!predictor.config.timeFeatures, "the reference builds the value input only")
        let network = predictor.network
        var normalizer = predictor.normalizer
        normalizer.observe(value)
        let input = [Float(normalizer.normalize(value))]
        var state = predictor.state
        var cache = [Float](repeating: 0, count: network.cacheSize)
        var scratch = [Float](repeating: 0, count: network.scratchSize)
        let weights = predictor.parameters
        let output = weights.withUnsafeBufferPointer { p in
            network.forward(
                p.baseAddress!, input: input, state: &state, cache: &cache, scratch: &scratch)
        }
        return normalizer.denormalize(Double(output))
    }

    @Test(
        "A series stepping on 16-bit weights forecasts exactly what the 32-bit network does with them widened",
        arguments: [
            PredictorConfig(),
            PredictorConfig(model: ModelConfig(cell: .gru, hiddenSize: 12, layers: 2)),
            PredictorConfig(model: ModelConfig(hiddenSize: 40, peepholes: true)),
        ])
    func forwardMatchesFloat32(config: PredictorConfig) throws {
        var driver = Driver(config: config)
        let values = SyntheticSeries.sine(count: 400, period: 30, noise: 0.05, seed: 31)
        for (t, value) in values.enumerated() {
            let predictor = driver.predictor
            let expected = Self.float32Forecast(predictor, value: value)
            driver.feed([value])  // steps, then trains and adopts when a job is due
            #expect(driver.results[t].forecast == expected, "sample \(t), model version \(predictor.modelVersion)")
        }
        #expect(driver.predictor.modelVersion > 10, "the weights compared include many adopted ones")
    }

    @Test("Adopted: the series steps on exactly the weights the held-out losses judged; rolled back: exactly as before")
    func adoptAndRollBackExactly() throws {
        var driver = Driver()
        driver.feed(SyntheticSeries.sine(count: 300, period: 25, noise: 0.05, seed: 32))
        let predictor = driver.predictor
        // A real job, judged on its held-out steps: adopted or not, its weights are what would go live.
        var made: TrainingJob?
        for t in 0..<8 where made == nil {
            try predictor.step(value: Double.sin(Double(t) / 4), timestamp: Double(t), workspace: driver.workspace)
            made = predictor.makeTrainingJob()
        }
        let job = try #require(made)
        let result = driver.trainer.run(job)
        let bptt = BPTT<Float>(network: predictor.network, maxWindow: job.targets.count)
        let judged = bptt.loss(
            parameters: result.parameters, inputs: job.inputs, targets: job.targets,
            initialState: job.initialState, scoredFrom: job.targets.count - job.config.heldOut)
        #expect(result.candidateLoss == judged && result.weights != job.weights)
        let stepped = predictor.snapshot()
        let forced = TrainingResult(
            weights: result.weights, moments: result.moments, baseVersion: predictor.modelVersion, loss: 0,
            gradientNorm: 0, candidateLoss: 1, liveLoss: 2, previousLoss: 2)
        #expect(predictor.adopt(forced) == .adopted)
        #expect(predictor.weights == result.weights && predictor.previousWeights == stepped.weights)
        // Now the candidate is worse than the live weights, which are clearly worse than the previous ones.
        let worse = TrainingResult(
            weights: result.weights, moments: result.moments, baseVersion: predictor.modelVersion, loss: 0,
            gradientNorm: 0, candidateLoss: 3, liveLoss: 2, previousLoss: 1)
        #expect(predictor.adopt(worse) == .rolledBack)
        #expect(predictor.weights == stepped.weights)
        // The rolled-back series and its copy from before the adoption forecast bit for bit alike.
        let workspace = Workspace(network: predictor.network)
        for (t, value) in SyntheticSeries.sine(count: 50, period: 25, noise: 0.05, seed: 33).enumerated() {
            let a = try predictor.step(value: value, timestamp: Double(100 + t), workspace: driver.workspace)
            let b = try stepped.step(value: value, timestamp: Double(100 + t), workspace: workspace)
            #expect(a.forecast == b.forecast && a.anomaly == b.anomaly)
        }
    }

    @Test("Widening by integers equals the conversion for every finite half")
    func integerWidening() {
        let patterns = (0...UInt16.max).filter { Float16(bitPattern: $0).isFinite }
        var mismatches = 0
        for start in stride(from: 0, to: patterns.count - 7, by: 8) {
            let chunk = SIMD8<UInt16>(patterns[start..<(start + 8)])
            let widened = HalfPrecision.widen8ByIntegers(chunk)
            for k in 0..<8 where widened[k].bitPattern != Float(Float16(bitPattern: chunk[k])).bitPattern {
                mismatches += 1
            }
        }
        #expect(patterns.count == 63_488 && mismatches == 0)
    }

    @Test("Narrowing by integers: every finite half exactly, and values below the normal halves to nearest")
    func integerNarrowing() {
        let halves = (0...UInt16.max).filter { Float16(bitPattern: $0).isFinite }
        var mismatches = 0
        for start in stride(from: 0, to: halves.count - 7, by: 8) {
            let chunk = SIMD8<UInt16>(halves[start..<(start + 8)])
            let floats = SIMD8<Float>((0..<8).map { Float(Float16(bitPattern: chunk[$0])) })
            let narrowed = HalfPrecision.narrow8ByIntegers(floats)
            for k in 0..<8 where narrowed[k] != chunk[k] { mismatches += 1 }
            #expect(HalfPrecision.widenByIntegers(chunk[0]).bitPattern == floats[0].bitPattern)
        }
        // Between and around the subnormal halves: round to nearest, ties to even, like the conversion.
        var rng = SplitMix64(seed: 43)
        for _ in 0..<20_000 {
            let x = Float(rng.uniform(bound: 1.2e-4))
            let narrowed = HalfPrecision.narrow8ByIntegers(SIMD8(repeating: x))[0]
            if abs(x) < Float(Float16.leastNormalMagnitude) && narrowed != Float16(x).bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("Stochastic rounding picks one of the two neighbouring halves, on average the value itself")
    func stochasticRounding() {
        let lower = Float16(0.3)
        let upper = lower.nextUp
        let value = Float(lower) + 0.3 * (Float(upper) - Float(lower))
        var rng = SplitMix64(seed: 41)
        let rounded = HalfPrecision.roundedStochastically([Float](repeating: value, count: 100_000), using: &rng)
        #expect(rounded.allSatisfy { $0 == lower || $0 == upper })
        let share = Double(rounded.filter { $0 == upper }.count) / 100_000
        #expect(abs(share - 0.3) < 0.01, "rounded up \(share) of the time")
        // Halves stay themselves; negative values round in magnitude the same way; the range saturates.
        let exact: [Float] = [0, -0, 1, -2.5, Float(Float16.leastNormalMagnitude), 65504]
        #expect(HalfPrecision.roundedStochastically(exact, using: &rng).map(Float.init) == exact)
        let negative = HalfPrecision.roundedStochastically([-value], using: &rng)[0]
        #expect(negative == -lower || negative == -upper)
        #expect(HalfPrecision.roundedStochastically([1e9, -1e9], using: &rng) == [65504, -65504])
        // Round to nearest would never move 1 by a quarter of its unit in the last place; stochastic rounding does.
        let quarter = Float(1) + Float(Float16(1).ulp) / 4
        let moved = HalfPrecision.roundedStochastically([Float](repeating: quarter, count: 1000), using: &rng)
        #expect(moved.contains(1) && moved.contains(Float16(1).nextUp))
    }

    @Test("Adam's moments in 16 bits: every value to a half's precision, none lost across twelve orders of magnitude")
    func storedMoments() {
        var rng = SplitMix64(seed: 42)
        let count = 4096
        let first = (0..<count).map { i in Float(rng.uniform(bound: 1.0)) * Float.pow(10, -Float(i % 12)) }
        let second = (0..<count).map { i in
            max(Float(rng.uniform(bound: 1.0)).magnitude, 0.1) * Float.pow(10, -Float(i % 12))
        }
        let state = AdamState(firstMoment: first, secondMoment: second, step: 17)
        let stored = StoredMoments(state, using: &rng)
        let widened = stored.widened
        #expect(widened.step == 17)
        var worstFirst: Float = 0
        var worstRoot: Float = 0
        for i in 0..<count {
            // Relative to the value; the first moment's tiny values (12 decades down) lose bits, as they may.
            if abs(first[i]) > 1e-6 {
                worstFirst = max(worstFirst, abs(widened.firstMoment[i] - first[i]) / abs(first[i]))
            }
            if second[i] > 0 {
                #expect(widened.secondMoment[i] > 0, "second moment \(second[i]) lost")
                let root = second[i].squareRoot()
                worstRoot = max(worstRoot, abs(widened.secondMoment[i].squareRoot() - root) / root)
            }
        }
        #expect(worstFirst < 2e-3 && worstRoot < 2e-3, "worst relative errors \(worstFirst), \(worstRoot)")
    }
}
