import Testing

@testable import StreamLSTM

@Suite("Adam and gradient clipping")
struct AdamTests {
    @Test("Three Adam steps equal the numpy reference")
    func matchesReference() {
        let config = AdamConfig(learningRate: GoldenValues.adamLearningRate)
        var parameters = GoldenValues.adamStart
        var state = AdamState<Double>(parameterCount: parameters.count)
        let n = parameters.count
        for step in 0..<3 {
            let gradient = Array(GoldenValues.adamGradients[(step * n)..<((step + 1) * n)])
            state.update(&parameters, gradient: gradient, config: config)
        }
        #expect(state.step == 3)
        #expect(maxAbsoluteDifference(parameters, GoldenValues.adamExpected) < 1e-12)
        // The reference moved every parameter by about 3 learning rates; a no-op would fail above.
        #expect(maxAbsoluteDifference(parameters, GoldenValues.adamStart) > 0.02)
    }

    @Test("Float Adam agrees with Double Adam to 1e-6")
    func floatAgrees() {
        let config = AdamConfig(learningRate: GoldenValues.adamLearningRate)
        var parameters = GoldenValues.adamStart.map { Float($0) }
        var state = AdamState<Float>(parameterCount: parameters.count)
        let n = parameters.count
        for step in 0..<3 {
            let gradient = GoldenValues.adamGradients[(step * n)..<((step + 1) * n)].map { Float($0) }
            state.update(&parameters, gradient: gradient, config: config)
        }
        #expect(maxAbsoluteDifference(parameters.map { Double($0) }, GoldenValues.adamExpected) < 1e-6)
    }

    @Test("Clipping scales a long gradient to the limit and leaves a short one alone")
    func clipping() {
        var long: [Double] = [3, 4]
        let norm = clipGradientNorm(&long, maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(long[0] - 0.6) < 1e-15 && abs(long[1] - 0.8) < 1e-15)
        var short: [Double] = [0.3, 0.4]
        clipGradientNorm(&short, maxNorm: 1)
        #expect(short == [0.3, 0.4])
        var poisoned: [Double] = [1, .nan]
        clipGradientNorm(&poisoned, maxNorm: 1)
        #expect(poisoned == [0, 0])
    }
}
