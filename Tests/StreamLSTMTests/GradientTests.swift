import Testing

@testable import StreamLSTM

/// A network configuration whose BPTT gradient is checked.
struct GradientCase: Sendable, CustomStringConvertible {
    let model: ModelConfig
    let inputSize: Int
    var description: String {
        "\(model.cell) H=\(model.hiddenSize) layers=\(model.layers)\(model.peepholes ? " peepholes" : "")"
    }
}

@Suite("BPTT gradients against central differences in Double")
struct GradientTests {
    static let cases: [GradientCase] = [
        GradientCase(model: ModelConfig(cell: .lstm, hiddenSize: 5), inputSize: 3),
        GradientCase(model: ModelConfig(cell: .lstm, hiddenSize: 5, peepholes: true), inputSize: 3),
        GradientCase(model: ModelConfig(cell: .lstm, hiddenSize: 9, layers: 2, peepholes: true), inputSize: 2),
        GradientCase(model: ModelConfig(cell: .lstm, hiddenSize: 4, layers: 3), inputSize: 1),
        GradientCase(model: ModelConfig(cell: .gru, hiddenSize: 5), inputSize: 3),
        GradientCase(model: ModelConfig(cell: .gru, hiddenSize: 9, layers: 2), inputSize: 2),
        GradientCase(model: ModelConfig(cell: .rnn, hiddenSize: 5), inputSize: 3),
        GradientCase(model: ModelConfig(cell: .rnn, hiddenSize: 9, layers: 2), inputSize: 2),
    ]

    @Test("Every parameter's gradient has relative error below 1e-6", arguments: cases)
    func matchesCentralDifferences(_ testCase: GradientCase) {
        let network = Network(inputSize: testCase.inputSize, model: testCase.model)
        var rng = SplitMix64(seed: 42)
        // Random everything (biases, peepholes, head) so that every path carries gradient.
        let parameters = (0..<network.parameterCount).map { _ in rng.uniform(bound: 0.6) as Double }
        let steps = 6
        let inputs = (0..<(steps * testCase.inputSize)).map { _ in rng.gaussian() }
        let targets = (0..<steps).map { _ in rng.gaussian() }
        let initialState = (0..<network.stateSize).map { _ in rng.uniform(bound: 0.5) as Double }

        let bptt = BPTT<Double>(network: network, maxWindow: steps)
        bptt.lossAndGradient(parameters: parameters, inputs: inputs, targets: targets, initialState: initialState)
        let analytic = bptt.gradient

        let epsilon = 1e-5  // balances truncation (ε²) against rounding (1e-16/ε) error
        var worst = 0.0
        var probe = parameters
        for i in parameters.indices {
            probe[i] = parameters[i] + epsilon
            let up = bptt.loss(parameters: probe, inputs: inputs, targets: targets, initialState: initialState)
            probe[i] = parameters[i] - epsilon
            let down = bptt.loss(parameters: probe, inputs: inputs, targets: targets, initialState: initialState)
            probe[i] = parameters[i]
            let numeric = (up - down) / (2 * epsilon)
            // Relative error, with an absolute floor for gradients that are zero up to rounding.
            let error = abs(analytic[i] - numeric) / max(abs(analytic[i]) + abs(numeric), 1e-4)
            worst = max(worst, error)
        }
        print("gradient check \(testCase): worst relative error \(worst)")
        #expect(worst < 1e-6, "worst relative error \(worst) over \(parameters.count) parameters")
        #expect(
            analytic.filter { abs($0) > 1e-6 }.count > parameters.count * 9 / 10,
            "most parameters must carry gradient, or the check proves little")
    }
}
