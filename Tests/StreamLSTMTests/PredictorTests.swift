import Testing

@testable import StreamLSTM

@Suite("Training and prediction")
struct PredictorTests {
    @Test("BPTT with Adam lowers the loss on a sine wave")
    func trainingLowersLoss() {
        let network = Network(inputSize: 1, model: ModelConfig(hiddenSize: 16))
        var parameters: [Float] = network.initialParameters(seed: 7)
        // Start from random head weights, so the network, not only the skip path, must fit.
        var rng = SplitMix64(seed: 8)
        for i in parameters.indices where parameters[i] == 0 { parameters[i] = rng.uniform(bound: 0.1) }
        let window = 32
        let wave = (0...(window * 40)).map { t in Float(Double.sin(2 * Double.pi * Double(t) / 25)) }
        let trainer = Trainer(network: network, maxWindow: window)
        let config = TrainingConfig(every: 8, window: window, optimizer: AdamConfig(learningRate: 1e-2), heldOut: 0)
        // Trained as a series is: 16-bit weights and moments between updates.
        var weights = HalfPrecision.roundedToNearest(parameters)
        var moments = StoredMoments.none
        let zeroState = [Float](repeating: 0, count: network.stateSize)
        var jobs: UInt64 = 0
        func job(at start: Int) -> TrainingJob {
            jobs += 1
            return TrainingJob(
                network: network, config: config, weights: weights, moments: moments,
                previousWeights: weights, inputs: Array(wave[start..<(start + window)]),
                targets: Array(wave[(start + 1)...(start + window)]),
                initialState: zeroState, baseVersion: 0, roundingSeed: jobs)
        }
        let bptt = BPTT<Float>(network: network, maxWindow: window)
        func meanLoss() -> Float {
            let losses = stride(from: 0, to: window * 39, by: window).map { start in
                let j = job(at: start)
                return bptt.loss(
                    parameters: j.parameters, inputs: j.inputs, targets: j.targets,
                    initialState: j.initialState)
            }
            return losses.reduce(0, +) / Float(losses.count)
        }
        let before = meanLoss()
        for epoch in 0..<30 {
            for start in stride(from: epoch % 8, to: window * 39, by: window) {
                let result = trainer.run(job(at: start))
                weights = result.weights
                moments = result.moments
            }
        }
        let after = meanLoss()
        #expect(after < before / 10, "mean window loss \(before) → \(after)")
    }

    @Test("The online predictor tracks a sine with noise better than last-value prediction")
    func tracksNoisySine() {
        let noise = 0.1
        let values = SyntheticSeries.sine(count: 6000, period: 40, noise: noise, seed: 11)
        var driver = Driver()
        driver.feed(values)
        let late = 5000..<6000
        let rms = driver.rmsResidual(late)
        // Last-value prediction on the same samples.
        let lastValueSquares = late.map { (values[$0] - values[$0 - 1]) * (values[$0] - values[$0 - 1]) }
        let lastValueRMS = (lastValueSquares.reduce(0, +) / Double(late.count)).squareRoot()
        print("sine period 40 + noise 0.1: predictor RMS residual \(rms), last-value RMS \(lastValueRMS)")
        #expect(rms < 0.7 * lastValueRMS)
        #expect(rms < 0.13)  // the noise alone gives 0.1
        // One job every 8 samples once a window is full; held-out judgement keeps some of them out.
        let jobs = (6000 - 1 - 64) / 8 + 1
        print("training results adopted or rolled back: \(driver.predictor.modelVersion) of \(jobs)")
        #expect(driver.predictor.modelVersion > jobs / 4 && driver.predictor.modelVersion <= jobs)
    }

    @Test(
        "Every cell kind learns the noisy sine online; the comparison is printed",
        arguments: [
            ModelConfig(cell: .lstm), ModelConfig(cell: .lstm, peepholes: true),
            ModelConfig(cell: .lstm, layers: 2), ModelConfig(cell: .gru), ModelConfig(cell: .rnn),
        ])
    func cellComparison(model: ModelConfig) {
        let values = SyntheticSeries.sine(count: 6000, period: 40, noise: 0.1, seed: 11)
        var driver = Driver(config: PredictorConfig(model: model))
        driver.feed(values)
        let rms = driver.rmsResidual(5000..<6000)
        print("cell \(model.cell) layers \(model.layers) peepholes \(model.peepholes): RMS residual \(rms)")
        #expect(rms < 0.14)  // last-value prediction: 0.180; the noise alone: 0.1
    }

    @Test("Non-finite values and timestamps are refused and change nothing")
    func refusesNonFinite() throws {
        let predictor = Predictor()
        let workspace = Workspace(network: predictor.network)
        try predictor.step(value: 1, timestamp: 0, workspace: workspace)
        let before = predictor.serialized()
        #expect(throws: PredictorError.nonFiniteValue) {
            try predictor.step(value: .nan, timestamp: 1, workspace: workspace)
        }
        #expect(throws: PredictorError.nonFiniteTimestamp) {
            try predictor.step(value: 1, timestamp: .infinity, workspace: workspace)
        }
        #expect(predictor.serialized() == before)
    }

    @Test("A training result made before the model changed is not adopted")
    func staleResultRejected() throws {
        // Without held-out steps every fresh result is adopted, so only staleness decides.
        var driver = Driver(config: PredictorConfig(training: TrainingConfig(heldOut: 0)))
        driver.feed(SyntheticSeries.sine(count: 72, period: 20, noise: 0, seed: 1))
        let predictor = driver.predictor
        let version = predictor.modelVersion
        // Two jobs made from the same model version, the first not yet adopted.
        try predictor.step(value: 0.5, timestamp: 0, workspace: driver.workspace)
        let first = try #require(predictor.makeTrainingJob())
        for t in 0..<8 { try predictor.step(value: Double(t), timestamp: Double(t), workspace: driver.workspace) }
        let second = try #require(predictor.makeTrainingJob())
        #expect(first.baseVersion == version && second.baseVersion == version)
        let firstResult = driver.trainer.run(first)
        #expect(predictor.adopt(firstResult) == .adopted)
        #expect(predictor.adopt(driver.trainer.run(second)) == .stale)
        #expect(predictor.modelVersion == version + 1)
        #expect(predictor.parameters == firstResult.parameters)
    }

    @Test(
        "Held-out losses decide: adopt a better candidate, reject a worse one, roll back when the previous weights win")
    func heldOutJudgement() throws {
        var driver = Driver(config: PredictorConfig(training: TrainingConfig(heldOut: 0)))
        driver.feed(SyntheticSeries.sine(count: 200, period: 20, noise: 0.05, seed: 3))
        let predictor = driver.predictor
        let live = predictor.parameters
        let previous = predictor.previousParameters
        #expect(live != previous)  // trained: the two differ
        func result(candidate: Float, live: Float, previous: Float) -> TrainingResult {
            TrainingResult(
                weights: predictor.weights.map { $0 + 0.01 }, moments: predictor.moments,
                baseVersion: predictor.modelVersion, loss: 0, gradientNorm: 0,
                candidateLoss: candidate, liveLoss: live, previousLoss: previous)
        }
        let version = predictor.modelVersion
        #expect(predictor.adopt(result(candidate: 2, live: 1, previous: 1.1)) == .rejected)
        #expect(predictor.parameters == live && predictor.modelVersion == version)
        #expect(predictor.adopt(result(candidate: 2, live: 1.5, previous: 1)) == .rolledBack)
        #expect(predictor.parameters == previous && predictor.modelVersion == version + 1)
        let candidate = result(candidate: 0.5, live: 1, previous: 1)
        #expect(predictor.adopt(candidate) == .adopted)
        #expect(predictor.parameters == candidate.parameters && predictor.previousParameters == previous)
        #expect(predictor.modelVersion == version + 2)
    }

    @Test("A new series predicts sensibly from its second sample: the prior is a last-value predictor")
    func coldStart() {
        let values = SyntheticSeries.sine(count: 600, period: 40, noise: 0.1, seed: 17)
        var untrained = Driver(config: PredictorConfig(training: TrainingConfig(every: 0)))
        untrained.feed(values)
        var squares = 0.0
        for t in 1..<600 {
            let change = values[t] - values[t - 1]
            squares += change * change
        }
        let lastValueRMS = (squares / 599).squareRoot()
        // Untrained: exactly last-value prediction, from the second sample on.
        #expect(abs(untrained.rmsResidual(1..<600) - lastValueRMS) < 1e-6 * lastValueRMS)
        // Learning online improves on it within the first 300 samples.
        var learning = Driver()
        learning.feed(values)
        let late = 150..<300
        print(
            "cold start, samples \(late): RMS \(learning.rmsResidual(late)) learning, \(untrained.rmsResidual(late)) prior only"
        )
        #expect(learning.rmsResidual(late) < 0.9 * untrained.rmsResidual(late))
    }

    @Test("Each training job sees the window it should: inputs, targets and starting state")
    func jobWindowIsConsistent() throws {
        let config = PredictorConfig(timeFeatures: false, training: TrainingConfig(every: 4, window: 8, heldOut: 2))
        let predictor = Predictor(config: config)
        let workspace = Workspace(network: predictor.network)
        var states: [[Float]] = []  // state before each sample
        var inputs: [Float] = []
        var targets: [Float] = []
        var job: TrainingJob?
        for n in 0..<21 {
            let value = Double(n % 5)
            states.append(predictor.state)
            // The target of the previous input is this value on the scale that input was made with.
            if n > 0 { targets.append(Float(predictor.normalizer.normalize(value))) }
            try predictor.step(value: value, timestamp: Double(n), workspace: workspace)
            inputs.append(Float(predictor.normalizer.normalize(value)))
            if let made = predictor.makeTrainingJob() { job = made }
        }
        // After 21 samples the last job was made at sample 21 (20 complete pairs): inputs 12..<20.
        let last = try #require(job)
        #expect(last.inputs == Array(inputs[12..<20]))
        #expect(last.initialState == states[12])
        #expect(last.targets == Array(targets[12..<20]))
    }
}
