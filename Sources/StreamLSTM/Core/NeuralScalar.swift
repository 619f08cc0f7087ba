import RealModule

/// The scalar types the networks are generic over.
///
/// `Float` is what the daemon runs: its activations are vectorisable rational
/// approximations (libm's `tanhf`/`expf` cannot be vectorised and cost several
/// times the whole matrix-vector product). `Double` exists for gradient checks
/// and references: it uses the exact libm functions, so central differences
/// see exactly the function whose derivative backpropagation computes.
public protocol NeuralScalar: Real, BinaryFloatingPoint, SIMDScalar, Codable, Sendable, StoredWeight
where Scalar == Self {
    /// The hyperbolic tangent as the networks compute it.
    static func activationTanh(_ x: Self) -> Self
    /// The logistic sigmoid as the networks compute it.
    static func activationSigmoid(_ x: Self) -> Self
}

extension NeuralScalar {
    /// Applies `activationTanh` to `values[0..<count]`.
    @inline(__always)
    public static func tanhInPlace(_ values: UnsafeMutablePointer<Self>, count: Int) {
        for i in 0..<count { values[i] = activationTanh(values[i]) }
    }

    /// Applies `activationSigmoid` to `values[0..<count]`.
    @inline(__always)
    public static func sigmoidInPlace(_ values: UnsafeMutablePointer<Self>, count: Int) {
        for i in 0..<count { values[i] = activationSigmoid(values[i]) }
    }
}

extension Double: NeuralScalar {
    @inline(__always)
    public static func activationTanh(_ x: Double) -> Double { Double.tanh(x) }

    @inline(__always)
    public static func activationSigmoid(_ x: Double) -> Double { 1 / (1 + Double.exp(-x)) }
}

extension Float: NeuralScalar {
    // Inlined, branch-free and free of libm calls, so that loops over them
    // vectorise (min/max become selects). SIMD8's `clamped` calls the generic
    // pointwiseMin/Max, which were not inlined and once cost half the step.
    @inline(__always)
    public static func activationTanh(_ x: Float) -> Float { FastActivation.tanh(x) }

    @inline(__always)
    public static func activationSigmoid(_ x: Float) -> Float { FastActivation.sigmoid(x) }
}

/// Branch-free activations.
///
/// tanh is a 13/6 odd rational function on a clamped argument (the minimax
/// form used by Eigen and XLA); its largest absolute error over the real line
/// is 3.4e-7 (measured against Double `tanh` by `ActivationTests`). The
/// sigmoid is `(1 + tanh(x/2)) / 2`, so it inherits half of that error and
/// saturates exactly at 0 and 1.
public enum FastActivation {
    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        // Beyond ±7.905 the rational form is no longer below 1; tanh is 1 to float precision there.
        let bound: Float = 7.90531110763549805
        let xc = Swift.min(Swift.max(x, -bound), bound)
        let x2 = xc * xc
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 - 8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * xc
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return p / q
    }

    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        0.5 + 0.5 * tanh(0.5 * x)
    }
}
