import RealModule
import Testing

@testable import StreamLSTM

@Suite("Forward pass against the numpy reference")
struct ForwardGoldenTests {
    @Test("Float forward equals numpy to 1e-6", arguments: GoldenValues.cases)
    func floatForward(_ golden: GoldenCase) {
        let (predictions, state) = golden.run(as: Float.self)
        #expect(maxAbsoluteDifference(predictions, golden.predictions) < 1e-6)
        #expect(maxAbsoluteDifference(state, golden.finalState) < 1e-6)
    }

    @Test("Double forward equals numpy to 1e-12", arguments: GoldenValues.cases)
    func doubleForward(_ golden: GoldenCase) {
        let (predictions, state) = golden.run(as: Double.self)
        #expect(maxAbsoluteDifference(predictions, golden.predictions) < 1e-12)
        #expect(maxAbsoluteDifference(state, golden.finalState) < 1e-12)
    }

    @Test("The reference outputs are not trivial")
    func goldenValuesMove() {
        // Guards the guard: if every prediction were equal, a wrong network could still match.
        for golden in GoldenValues.cases {
            let spread = (golden.predictions.max() ?? 0) - (golden.predictions.min() ?? 0)
            #expect(spread > 0.05, "\(golden.name)")
        }
    }
}

@Suite("Activations")
struct ActivationTests {
    @Test("Float tanh and sigmoid stay within 4e-7 of Double libm")
    func accuracy() {
        var worstTanh = 0.0
        var worstSigmoid = 0.0
        var values = [Float](repeating: 0, count: 8)
        var x = -20.0
        while x <= 20 {
            for k in 0..<8 { values[k] = Float(x + Double(k) * 1e-4) }
            var tanhValues = values
            var sigmoidValues = values
            Float.tanhInPlace(&tanhValues, count: 8)
            Float.sigmoidInPlace(&sigmoidValues, count: 8)
            for k in 0..<8 {
                let v = Double(values[k])
                worstTanh = max(worstTanh, abs(Double(tanhValues[k]) - Double.tanh(v)))
                worstSigmoid = max(worstSigmoid, abs(Double(sigmoidValues[k]) - 1 / (1 + Double.exp(-v))))
            }
            x += 0.0013
        }
        #expect(worstTanh < 4e-7)
        #expect(worstSigmoid < 2.5e-7)
    }

    @Test("Tails saturate exactly and the scalar tail path matches the vector path")
    func saturationAndTail() {
        var big: [Float] = [-1e30, -50, 50, 1e30, 0, 0.5, -0.5]
        Float.tanhInPlace(&big, count: big.count)  // 7 values: the scalar tail path only
        #expect(big[0] == -1 && big[1] == -1 && big[2] == 1 && big[3] == 1 && big[4] == 0)
        var vector: [Float] = [0.5, -0.5, 0, 0, 0, 0, 0, 0]
        Float.tanhInPlace(&vector, count: 8)
        #expect(vector[0] == big[5] && vector[1] == big[6])
    }
}
