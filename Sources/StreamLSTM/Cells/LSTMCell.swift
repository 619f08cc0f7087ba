/// The long short-term memory cell (Hochreiter & Schmidhuber 1997, with the
/// forget gate of Gers et al. 2000) and, optionally, peephole connections
/// (Gers, Schraudolph & Schmidhuber 2002: the gates also see the memory cell).
///
/// Gate order in the fused weights is i, f, g, o: row `gate * H + j` of the
/// `[4H × (I + H)]` matrix over `[x, h_prev]`.
///
///     i = σ(W_i·[x, h] + p_i ⊙ c_prev + b_i)     f = σ(W_f·[x, h] + p_f ⊙ c_prev + b_f)
///     g = tanh(W_g·[x, h] + b_g)                   c = f ⊙ c_prev + i ⊙ g
///     o = σ(W_o·[x, h] + p_o ⊙ c + b_o)            h = o ⊙ tanh(c)
///
/// The `p` terms exist only with peepholes. Parameter slice: W (column-major),
/// then b (4H), then p_i, p_f, p_o (H each) with peepholes. The forget-gate
/// bias starts at 1 so that the cell remembers by default.
public struct LSTMCell: RecurrentCell, Hashable {
    public let inputSize: Int
    public let hiddenSize: Int
    public let peepholes: Bool

    public init(inputSize: Int, hiddenSize: Int, peepholes: Bool = false) {
        precondition(inputSize > 0 && hiddenSize > 0, "LSTM sizes must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.peepholes = peepholes
    }

    var gateRows: Int { 4 * hiddenSize }
    var affine: ConcatenatedAffine { ConcatenatedAffine(inputSize: inputSize, hiddenSize: hiddenSize, rows: gateRows) }
    var columns: Int { affine.columns }
    var biasOffset: Int { affine.biasOffset }
    var peepholeOffset: Int { biasOffset + gateRows }

    public var parameterCount: Int { peepholeOffset + (peepholes ? 3 * hiddenSize : 0) }
    public var stateSize: Int { 2 * hiddenSize }
    // Cache: [x, h_prev] (I + H), c_prev (H), activated gates i f g o (4H), c (H), tanh(c) (H).
    public var cacheSize: Int { columns + 7 * hiddenSize }
    // Scratch: gradient of [x, h_prev] (I + H).
    public var scratchSize: Int { columns }
    // Gate pre-activation gradients, order i f g o.
    public var preactivationGradientSize: Int { gateRows }

    /// Where `forward` leaves a step's values in its cache, for `backward`: after [x, h_prev], c_prev,
    /// the activated gates i f g o, c and tanh(c).
    @inline(__always)
    func cacheLayout<P: Strideable>(_ cache: P) -> (cPrev: P, i: P, f: P, g: P, o: P, c: P, tanhC: P)
    where P.Stride == Int {
        let h = hiddenSize
        let cPrev = cache.advanced(by: columns)
        let i = cPrev.advanced(by: h)
        return (
            cPrev, i, i.advanced(by: h), i.advanced(by: 2 * h), i.advanced(by: 3 * h), i.advanced(by: 4 * h),
            i.advanced(by: 5 * h)
        )
    }

    public func initialize<T: NeuralScalar>(_ p: UnsafeMutablePointer<T>, using rng: inout SplitMix64) {
        initializeUniform(p, count: biasOffset, using: &rng)
        let h = hiddenSize
        for r in 0..<gateRows { p[biasOffset + r] = (r >= h && r < 2 * h) ? 1 : 0 }
        for k in 0..<(parameterCount - peepholeOffset) { p[peepholeOffset + k] = 0 }
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
        let (cPrev, i, f, g, o, c, tanhC) = cacheLayout(cache)

        // The gates' pre-activations, i f g o in a row from `i`.
        affine.forward(p, input: x, hidden: state, v: cache, into: i)
        cPrev.update(from: state + h, count: h)
        if peepholes {
            let (pi, pf) = (p + peepholeOffset, p + peepholeOffset + h)
            for j in 0..<h {
                i[j] += pi[j].widened * cPrev[j]
                f[j] += pf[j].widened * cPrev[j]
            }
        }
        T.sigmoidInPlace(i, count: 2 * h)
        T.tanhInPlace(g, count: h)
        for j in 0..<h { c[j] = f[j] * cPrev[j] + i[j] * g[j] }
        if peepholes {
            let po = p + peepholeOffset + 2 * h
            for j in 0..<h { o[j] += po[j].widened * c[j] }
        }
        T.sigmoidInPlace(o, count: h)
        tanhC.update(from: c, count: h)
        T.tanhInPlace(tanhC, count: h)
        for j in 0..<h { state[j] = o[j] * tanhC[j] }
        (state + h).update(from: c, count: h)
    }

    @_specialize(where T == Float)
    public func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, cache: UnsafePointer<T>,
        stateGradient: UnsafeMutablePointer<T>, inputGradient: UnsafeMutablePointer<T>,
        preactivationGradient da: UnsafeMutablePointer<T>,
        parameterGradient dp: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        let h = hiddenSize
        let (cPrev, i, f, g, o, c, tanhC) = cacheLayout(cache)
        let dh = stateGradient
        let dc = stateGradient + h

        let peep = peepholes ? p + peepholeOffset : p
        let dpeep = dp + peepholeOffset
        for j in 0..<h {
            let daO = dh[j] * tanhC[j] * o[j] * (1 - o[j])
            var dcTotal = dc[j] + dh[j] * o[j] * (1 - tanhC[j] * tanhC[j])
            if peepholes { dcTotal += daO * peep[2 * h + j] }
            let daI = dcTotal * g[j] * i[j] * (1 - i[j])
            let daF = dcTotal * cPrev[j] * f[j] * (1 - f[j])
            let daG = dcTotal * i[j] * (1 - g[j] * g[j])
            var dcPrev = dcTotal * f[j]
            if peepholes {
                dcPrev += daI * peep[j] + daF * peep[h + j]
                dpeep[j] += daI * cPrev[j]
                dpeep[h + j] += daF * cPrev[j]
                dpeep[2 * h + j] += daO * c[j]
            }
            da[j] = daI
            da[h + j] = daF
            da[2 * h + j] = daG
            da[3 * h + j] = daO
            dc[j] = dcPrev
        }
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
