/// The plain (Elman) recurrent cell, `h' = tanh(W·[x, h] + b)`: the simplest
/// counter-example to the LSTM. Parameter slice: W `[H × (I + H)]`
/// (column-major), then b (H).
public struct RNNCell: RecurrentCell, Hashable {
    public let inputSize: Int
    public let hiddenSize: Int

    public init(inputSize: Int, hiddenSize: Int) {
        precondition(inputSize > 0 && hiddenSize > 0, "RNN sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    var affine: ConcatenatedAffine {
        ConcatenatedAffine(inputSize: inputSize, hiddenSize: hiddenSize, rows: hiddenSize)
    }
    var columns: Int { affine.columns }
    var biasOffset: Int { affine.biasOffset }

    public var parameterCount: Int { biasOffset + hiddenSize }
    public var stateSize: Int { hiddenSize }
    // Cache: [x, h_prev] (I + H), h (H).
    public var cacheSize: Int { columns + hiddenSize }
    // Scratch: gradient of [x, h_prev] (I + H).
    public var scratchSize: Int { columns }
    public var preactivationGradientSize: Int { hiddenSize }

    public func initialize<T: NeuralScalar>(_ p: UnsafeMutablePointer<T>, using rng: inout SplitMix64) {
        initializeUniform(p, count: biasOffset, using: &rng)
        (p + biasOffset).update(repeating: 0, count: hiddenSize)
    }

    @_specialize(where W == Float)
    @_specialize(where W == Float16)
    public func forward<W: StoredWeight>(
        _ p: UnsafePointer<W>, input x: UnsafePointer<W.Scalar>,
        state: UnsafeMutablePointer<W.Scalar>, cache: UnsafeMutablePointer<W.Scalar>,
        scratch: UnsafeMutablePointer<W.Scalar>
    ) {
        typealias T = W.Scalar
        let h = hiddenSize
        let out = cache + columns
        affine.forward(p, input: x, hidden: state, v: cache, into: out)
        T.tanhInPlace(out, count: h)
        state.update(from: out, count: h)
    }

    @_specialize(where T == Float)
    public func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, cache: UnsafePointer<T>,
        stateGradient dh: UnsafeMutablePointer<T>, inputGradient: UnsafeMutablePointer<T>,
        preactivationGradient da: UnsafeMutablePointer<T>,
        parameterGradient dp: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        let h = hiddenSize
        let out = cache + columns
        for j in 0..<h { da[j] = dh[j] * (1 - out[j] * out[j]) }
        affine.backward(
            p, preactivationGradient: da, parameterGradient: dp, dv: scratch, inputGradient: inputGradient,
            hiddenGradient: dh)
    }

    @_specialize(where T == Float)
    public func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, cacheStride: Int,
        preactivationGradients: UnsafePointer<T>, gradientStride: Int, steps: Int,
        parameterGradient dp: UnsafeMutablePointer<T>
    ) {
        affine.accumulateWeightGradients(
            caches: caches, cacheStride: cacheStride, preactivationGradients: preactivationGradients,
            gradientStride: gradientStride, steps: steps, parameterGradient: dp)
    }
}
