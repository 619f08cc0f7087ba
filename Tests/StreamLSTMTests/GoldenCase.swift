@testable import StreamLSTM

/// One network with its parameters, inputs and the outputs numpy computed.
struct GoldenCase: Sendable, CustomStringConvertible {
    let name: String
    let cell: CellKind
    let inputSize: Int
    let hiddenSize: Int
    let layers: Int
    let peepholes: Bool
    let parameters: [Double]
    let initialState: [Double]
    let inputs: [Double]
    let predictions: [Double]
    let finalState: [Double]

    var description: String { name }

    var network: Network {
        Network(
            inputSize: inputSize,
            model: ModelConfig(cell: cell, hiddenSize: hiddenSize, layers: layers, peepholes: peepholes))
    }

    /// Runs the case through StreamLSTM in scalar type `T`: predictions and final state.
    func run<T: NeuralScalar>(as type: T.Type) -> (predictions: [Double], state: [Double]) {
        let network = self.network
        let p = parameters.map { T($0) }
        var state = initialState.map { T($0) }
        var cache = [T](repeating: 0, count: network.cacheSize)
        var scratch = [T](repeating: 0, count: network.scratchSize)
        var predictions: [Double] = []
        for t in 0..<self.predictions.count {
            let x = inputs[(t * inputSize)..<((t + 1) * inputSize)].map { T($0) }
            let y = network.forward(p, input: x, state: &state, cache: &cache, scratch: &scratch)
            predictions.append(Double(y))
        }
        return (predictions, state.map { Double($0) })
    }

}

extension Network {
    /// Array convenience for tests.
    func forward<T: NeuralScalar>(_ p: [T], input: [T], state: inout [T], cache: inout [T], scratch: inout [T]) -> T {
        p.withUnsafeBufferPointer { p in
            input.withUnsafeBufferPointer { x in
                state.withUnsafeMutableBufferPointer { s in
                    cache.withUnsafeMutableBufferPointer { c in
                        scratch.withUnsafeMutableBufferPointer { w in
                            forward(
                                p.baseAddress!, input: x.baseAddress!, state: s.baseAddress!,
                                cache: c.baseAddress!, scratch: w.baseAddress!)
                        }
                    }
                }
            }
        }
    }
}

/// Largest |a − b| over two equally long sequences.
func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "sequences of different lengths")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
