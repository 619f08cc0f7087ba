/// How the weights a forward step reads are stored: in the activations' own
/// type (training, gradient checks), or as `Float16` for the live model of a
/// series, half the bytes to stream from memory for every step of every
/// series. The arithmetic is always in `Scalar`.
public protocol StoredWeight: Sendable {
    associatedtype Scalar: NeuralScalar
    /// Eight consecutive weights, widened.
    static func widen8(_ p: UnsafePointer<Self>) -> SIMD8<Scalar>
    var widened: Scalar { get }
}

extension Float: StoredWeight {
    @inline(__always)
    public static func widen8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    public var widened: Float { self }
}

extension Double: StoredWeight {
    @inline(__always)
    public static func widen8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inline(__always)
    public var widened: Double { self }
}

extension Float16: StoredWeight {
    /// One instruction where the CPU converts halves (F16C on x86-64, every
    /// 64-bit ARM); elsewhere a few integer operations
    /// (`HalfPrecision.widen8ByIntegers`), instead of a library call per lane.
    @inline(__always)
    public static func widen8(_ p: UnsafePointer<Float16>) -> SIMD8<Float> {
        #if STREAMLSTM_F16C || arch(arm64)
            SIMD8<Float>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float16>.self))
        #else
            HalfPrecision.widen8ByIntegers(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self))
        #endif
    }

    @inline(__always)
    public var widened: Float {
        #if STREAMLSTM_F16C || arch(arm64)
            Float(self)
        #else
            HalfPrecision.widenByIntegers(bitPattern)
        #endif
    }
}
