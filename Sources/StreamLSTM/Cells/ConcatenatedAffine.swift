/// The affine map that both the LSTM's gates and the Elman cell's output start from,
/// `W·[x, h_prev] + b`: W `[rows × (I + H)]` (column-major) opens the cell's parameter slice and
/// b (`rows`) follows it; `[x, h_prev]` opens every step's cache, and the gradient of `[x, h_prev]`
/// is the cell's scratch. One place for the numerics the two cells share, so that they cannot drift.
struct ConcatenatedAffine {
    let inputSize: Int
    let hiddenSize: Int
    let rows: Int

    var columns: Int { inputSize + hiddenSize }
    var biasOffset: Int { rows * columns }

    /// Copies `[x, h_prev]` into `v` (the opening of the step's cache) and writes `W·v + b` into `out`.
    @inline(__always)
    func forward<W: StoredWeight>(
        _ p: UnsafePointer<W>, input x: UnsafePointer<W.Scalar>, hidden: UnsafePointer<W.Scalar>,
        v: UnsafeMutablePointer<W.Scalar>, into out: UnsafeMutablePointer<W.Scalar>
    ) {
        v.update(from: x, count: inputSize)
        (v + inputSize).update(from: hidden, count: hiddenSize)
        Kernels.widen(p + biasOffset, into: out, count: rows)
        Kernels.multiplyAdd(p, rows: rows, cols: columns, v, into: out)
    }

    /// Given the pre-activation gradients `da`: adds them to the gradient of b, overwrites
    /// `inputGradient` with dL/dx and `hiddenGradient` with dL/dh_prev, by way of `dv` (I + H).
    @inline(__always)
    func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, preactivationGradient da: UnsafePointer<T>,
        parameterGradient dp: UnsafeMutablePointer<T>, dv: UnsafeMutablePointer<T>,
        inputGradient: UnsafeMutablePointer<T>, hiddenGradient dh: UnsafeMutablePointer<T>
    ) {
        Kernels.axpy(1, da, into: dp + biasOffset, count: rows)
        dv.update(repeating: 0, count: columns)
        Kernels.multiplyTransposedAdd(p, rows: rows, cols: columns, da, into: dv)
        inputGradient.update(from: dv, count: inputSize)
        dh.update(from: dv + inputSize, count: hiddenSize)
    }

    /// Adds `Σ_t δ_t ⊗ [x, h_prev]_t` to the gradient of W (`RecurrentCell.accumulateWeightGradients`).
    @inline(__always)
    func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, cacheStride: Int,
        preactivationGradients: UnsafePointer<T>, gradientStride: Int, steps: Int,
        parameterGradient dp: UnsafeMutablePointer<T>
    ) {
        Kernels.outerProductSum(
            preactivationGradients, stride: gradientStride, rows: rows,
            caches, stride: cacheStride, cols: columns, steps: steps, into: dp)
    }
}
