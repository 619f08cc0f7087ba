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

    var columns: Int { inputSize + hiddenSize }
    var biasOffset: Int { hiddenSize * columns }

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
        let v = cache
        let out = cache + columns
        v.update(from: x, count: inputSize)
        (v + inputSize).update(from: state, count: h)
        Kernels.widen(p + biasOffset, into: out, count: h)
        Kernels.multiplyAdd(p, rows: h, cols: columns, v, into: out)
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
        let dv = scratch
        for j in 0..<h { da[j] = dh[j] * (1 - out[j] * out[j]) }
        Kernels.axpy(1, da, into: dp + biasOffset, count: h)
        dv.update(repeating: 0, count: columns)
        Kernels.multiplyTransposedAdd(p, rows: h, cols: columns, da, into: dv)
        inputGradient.update(from: dv, count: inputSize)
        dh.update(from: dv + inputSize, count: h)
    }

    @_specialize(where T == Float)
    public func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, cacheStride: Int,
        preactivationGradients: UnsafePointer<T>, gradientStride: Int, steps: Int,
        parameterGradient dp: UnsafeMutablePointer<T>
    ) {
        Kernels.outerProductSum(
            preactivationGradients, stride: gradientStride, rows: hiddenSize,
            caches, stride: cacheStride, cols: columns, steps: steps, into: dp)
    }
}
