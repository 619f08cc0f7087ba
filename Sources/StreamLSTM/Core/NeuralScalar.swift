import RealModule

/// The scalar types the networks are generic over.
///
/// `Float` is what the daemon runs: its activations are vectorisable rational
/// approximations (libm's `tanhf`/`expf` cannot be vectorised and cost several
/// times the whole matrix-vector product). `Double` exists for gradient checks
/// and references: it uses the exact libm functions, so central differences
/// see exactly the function whose derivative backpropagation computes.
public protocol NeuralScalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable {
    /// Replaces every element of `values[0..<count]` by its hyperbolic tangent.
    static func tanhInPlace(_ values: UnsafeMutablePointer<Self>, count: Int)
    /// Replaces every element of `values[0..<count]` by its logistic sigmoid.
    static func sigmoidInPlace(_ values: UnsafeMutablePointer<Self>, count: Int)
}

extension Double: NeuralScalar {
    public static func tanhInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { values[i] = Double.tanh(values[i]) }
    }

    public static func sigmoidInPlace(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { values[i] = 1 / (1 + Double.exp(-values[i])) }
    }
}

extension Float: NeuralScalar {
    public static func tanhInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(values + i).storeBytes(of: FastActivation.tanh(x), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            values[i] = FastActivation.tanh(SIMD8<Float>(repeating: values[i]))[0]
            i += 1
        }
    }

    public static func sigmoidInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let x = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(values + i).storeBytes(of: FastActivation.sigmoid(x), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            values[i] = FastActivation.sigmoid(SIMD8<Float>(repeating: values[i]))[0]
            i += 1
        }
    }
}

/// Branch-free activations for eight floats at a time.
///
/// tanh is a 13/6 odd rational function on a clamped argument (the minimax
/// form used by Eigen and XLA); its largest absolute error over the real line
/// is 3.4e-7 (measured against Double `tanh` by `ActivationTests`). The sigmoid is `(1 + tanh(x/2)) / 2`, so it
/// inherits half of that error and saturates exactly at 0 and 1.
public enum FastActivation {
    @inline(__always)
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Beyond ±7.905 the rational form is no longer below 1; tanh is 1 to float precision there.
        let bound = SIMD8<Float>(repeating: 7.90531110763549805)
        let xc = x.clamped(lowerBound: -bound, upperBound: bound)
        let x2 = xc * xc
        var p = SIMD8<Float>(repeating: -2.76076847742355e-16)
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 - 8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * xc
        var q = SIMD8<Float>(repeating: 1.19825839466702e-06)
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        return p / q
    }

    @inline(__always)
    public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        0.5 + 0.5 * tanh(0.5 * x)
    }
}
