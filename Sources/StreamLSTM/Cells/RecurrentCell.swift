/// The interface every recurrent cell offers the network, whatever its kind.
///
/// A cell owns no memory. Its parameters are a slice of the network's flat
/// parameter vector, its state a slice of the network's state vector, and the
/// caller provides a per-step cache (what `backward` needs from `forward`)
/// and a scratch buffer, all preallocated, so a step allocates nothing.
///
/// State layout: the output `h` always comes first (`hiddenSize` values), so
/// the next layer and the head read it the same way for every kind of cell;
/// an LSTM keeps its memory cell `c` after it.
public protocol RecurrentCell: Sendable {
    var inputSize: Int { get }
    var hiddenSize: Int { get }
    /// Number of parameters in this cell's slice of the parameter vector.
    var parameterCount: Int { get }
    /// Number of values in this cell's slice of the state vector.
    var stateSize: Int { get }
    /// Values `forward` stores per step for `backward`.
    var cacheSize: Int { get }
    /// Temporary values either pass needs.
    var scratchSize: Int { get }
    /// Gradients of the pre-activations that `backward` records per step, from
    /// which `accumulateWeightGradients` forms the weight gradients.
    var preactivationGradientSize: Int { get }

    /// Writes a fresh initialisation into `parameters[0..<parameterCount]`.
    func initialize<T: NeuralScalar>(_ parameters: UnsafeMutablePointer<T>, using rng: inout SplitMix64)

    /// One step: reads `input` and the previous state, overwrites `state` with
    /// the next one, and fills `cache` for a later `backward`.
    /// The weights may be stored narrower than the arithmetic (`StoredWeight`).
    func forward<W: StoredWeight>(
        _ parameters: UnsafePointer<W>, input: UnsafePointer<W.Scalar>,
        state: UnsafeMutablePointer<W.Scalar>, cache: UnsafeMutablePointer<W.Scalar>,
        scratch: UnsafeMutablePointer<W.Scalar>)

    /// Backpropagates one step. `stateGradient` holds dL/d(state after the
    /// step) on entry and dL/d(state before it) on return; `inputGradient` is
    /// overwritten with dL/d(input); `preactivationGradient` is overwritten
    /// with this step's pre-activation gradients. Gradients of the biases and
    /// other vector parameters are accumulated into `parameterGradient`; those
    /// of the weight matrices are left to `accumulateWeightGradients`.
    func backward<T: NeuralScalar>(
        _ parameters: UnsafePointer<T>, cache: UnsafePointer<T>,
        stateGradient: UnsafeMutablePointer<T>, inputGradient: UnsafeMutablePointer<T>,
        preactivationGradient: UnsafeMutablePointer<T>,
        parameterGradient: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>)

    /// Adds the weight-matrix gradients of a whole window, `Σ_t δ_t ⊗ v_t`, to
    /// `parameterGradient`: one matrix product instead of a read-modify-write
    /// of every weight gradient at every step. Step `t`'s cache is at
    /// `caches + t * cacheStride` and its pre-activation gradients at
    /// `preactivationGradients + t * gradientStride`.
    func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, cacheStride: Int,
        preactivationGradients: UnsafePointer<T>, gradientStride: Int, steps: Int,
        parameterGradient: UnsafeMutablePointer<T>)
}

extension RecurrentCell {
    /// Uniform in ±1/√H, the usual scale for recurrent weights.
    func initializeUniform<T: NeuralScalar>(
        _ p: UnsafeMutablePointer<T>, count: Int, using rng: inout SplitMix64
    ) {
        let bound = 1 / T(hiddenSize).squareRoot()
        for i in 0..<count { p[i] = rng.uniform(bound: bound) }
    }
}
