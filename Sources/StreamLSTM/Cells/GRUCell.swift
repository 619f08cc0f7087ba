/// The gated recurrent unit (Cho et al. 2014) in the convention of cuDNN and
/// PyTorch, where the reset gate scales the recurrent part of the candidate:
///
///     r = σ(Wx_r·x + bx_r + Wh_r·h + bh_r)       z = σ(Wx_z·x + bx_z + Wh_z·h + bh_z)
///     n = tanh(Wx_n·x + bx_n + r ⊙ (Wh_n·h + bh_n))
///     h' = (1 - z) ⊙ n + z ⊙ h
///
/// Kept as a counter-example to the LSTM. Gate order r, z, n. Parameter
/// slice: Wx `[3H × I]`, Wh `[3H × H]` (both column-major), bx (3H), bh (3H).
public struct GRUCell: RecurrentCell, Hashable {
    public let inputSize: Int
    public let hiddenSize: Int

    public init(inputSize: Int, hiddenSize: Int) {
        precondition(inputSize > 0 && hiddenSize > 0, "GRU sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
    }

    var gateRows: Int { 3 * hiddenSize }
    var recurrentOffset: Int { gateRows * inputSize }
    var inputBiasOffset: Int { recurrentOffset + gateRows * hiddenSize }
    var recurrentBiasOffset: Int { inputBiasOffset + gateRows }

    public var parameterCount: Int { recurrentBiasOffset + gateRows }
    public var stateSize: Int { hiddenSize }
    // Cache: x (I), h_prev (H), activated r z n (3H), Wh_n·h + bh_n (H).
    public var cacheSize: Int { inputSize + 5 * hiddenSize }
    // Scratch: input-side and recurrent-side pre-activations (3H each).
    public var scratchSize: Int { 2 * gateRows }
    // Gradients of the input-side and the recurrent-side pre-activations (3H each).
    public var preactivationGradientSize: Int { 2 * gateRows }

    /// Where `forward` leaves a step's values in its cache, for `backward`: after x, h_prev, the
    /// activated gates r z n and Wh_n·h + bh_n.
    @inline(__always)
    func cacheLayout<P: Strideable>(_ cache: P) -> (hPrev: P, r: P, z: P, n: P, recurrentN: P)
    where P.Stride == Int {
        let h = hiddenSize
        let hPrev = cache.advanced(by: inputSize)
        let r = hPrev.advanced(by: h)
        return (hPrev, r, r.advanced(by: h), r.advanced(by: 2 * h), r.advanced(by: 3 * h))
    }

    public func initialize<T: NeuralScalar>(_ p: UnsafeMutablePointer<T>, using rng: inout SplitMix64) {
        initializeUniform(p, count: inputBiasOffset, using: &rng)
        (p + inputBiasOffset).update(repeating: 0, count: 2 * gateRows)
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
        let (hPrev, r, z, n, recurrentN) = cacheLayout(cache)
        let gates = r
        let ax = scratch
        let ah = scratch + gateRows

        cache.update(from: x, count: inputSize)
        hPrev.update(from: state, count: h)
        Kernels.widen(p + inputBiasOffset, into: ax, count: gateRows)
        Kernels.multiplyAdd(p, rows: gateRows, cols: inputSize, x, into: ax)
        Kernels.widen(p + recurrentBiasOffset, into: ah, count: gateRows)
        Kernels.multiplyAdd(p + recurrentOffset, rows: gateRows, cols: h, hPrev, into: ah)

        for k in 0..<(2 * h) { gates[k] = ax[k] + ah[k] }
        T.sigmoidInPlace(gates, count: 2 * h)
        recurrentN.update(from: ah + 2 * h, count: h)
        for j in 0..<h { n[j] = ax[2 * h + j] + r[j] * recurrentN[j] }
        T.tanhInPlace(n, count: h)
        for j in 0..<h { state[j] = (1 - z[j]) * n[j] + z[j] * hPrev[j] }
    }

    @_specialize(where T == Float)
    public func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, cache: UnsafePointer<T>,
        stateGradient dh: UnsafeMutablePointer<T>, inputGradient: UnsafeMutablePointer<T>,
        preactivationGradient: UnsafeMutablePointer<T>,
        parameterGradient dp: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        let h = hiddenSize
        let (hPrev, r, z, n, recurrentN) = cacheLayout(cache)
        let dax = preactivationGradient
        let dah = preactivationGradient + gateRows

        for j in 0..<h {
            let dn = dh[j] * (1 - z[j])
            let dz = dh[j] * (hPrev[j] - n[j])
            let daN = dn * (1 - n[j] * n[j])
            let dr = daN * recurrentN[j]
            let daR = dr * r[j] * (1 - r[j])
            let daZ = dz * z[j] * (1 - z[j])
            dax[j] = daR
            dax[h + j] = daZ
            dax[2 * h + j] = daN
            dah[j] = daR
            dah[h + j] = daZ
            dah[2 * h + j] = daN * r[j]
            dh[j] *= z[j]  // the direct path h_prev → h'; the recurrent products are added below
        }
        Kernels.axpy(1, dax, into: dp + inputBiasOffset, count: gateRows)
        Kernels.axpy(1, dah, into: dp + recurrentBiasOffset, count: gateRows)
        inputGradient.update(repeating: 0, count: inputSize)
        Kernels.multiplyTransposedAdd(p, rows: gateRows, cols: inputSize, dax, into: inputGradient)
        Kernels.multiplyTransposedAdd(p + recurrentOffset, rows: gateRows, cols: h, dah, into: dh)
    }

    @_specialize(where T == Float)
    public func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, cacheStride: Int,
        preactivationGradients: UnsafePointer<T>, gradientStride: Int, steps: Int,
        parameterGradient dp: UnsafeMutablePointer<T>
    ) {
        // Wx pairs the input-side gradients with x; Wh the recurrent-side ones with h_prev.
        Kernels.outerProductSum(
            preactivationGradients, stride: gradientStride, rows: gateRows,
            caches, stride: cacheStride, cols: inputSize, steps: steps, into: dp)
        Kernels.outerProductSum(
            preactivationGradients + gateRows, stride: gradientStride, rows: gateRows,
            caches + inputSize, stride: cacheStride, cols: hiddenSize, steps: steps,
            into: dp + recurrentOffset)
    }
}
