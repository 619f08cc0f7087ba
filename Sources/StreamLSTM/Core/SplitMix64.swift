import RealModule

/// A small, fast, seedable generator (Steele, Lea & Flood 2014), so that every
/// initialisation and every test is reproducible from one 64-bit seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [-bound, bound).
    public mutating func uniform<T: BinaryFloatingPoint>(bound: T) -> T {
        let unit = T(next() >> 11) * T(1.0 / 9_007_199_254_740_992.0)  // [0, 1) with 53 bits
        return (unit * 2 - 1) * bound
    }

    /// A standard normal value (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(Double(next() >> 11) / 9_007_199_254_740_992.0, .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992.0
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }
}
