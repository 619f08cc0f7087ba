/// Conversions between the 32-bit values training computes with and the
/// 16-bit ones a series keeps between jobs.
///
/// Narrowing rounds stochastically (Gupta et al. 2015, "Deep Learning with
/// Limited Numerical Precision"): up with the probability of the distance to
/// the lower neighbour, so that updates smaller than half a unit in the last
/// place are not lost on average, as round-to-nearest would lose every one
/// of them. The random bits come from a generator the caller seeds, so a
/// replay rounds exactly as the first run did.
public enum HalfPrecision {
    /// Every value widened to 32 bits (exact).
    public static func widened(_ halves: [Float16]) -> [Float] {
        guard !halves.isEmpty else { return [] }
        return [Float](unsafeUninitializedCapacity: halves.count) { out, initialized in
            halves.withUnsafeBufferPointer { h in
                let source = h.baseAddress!
                let target = out.baseAddress!
                var i = 0
                while i + 8 <= h.count {
                    UnsafeMutableRawPointer(target + i).storeBytes(
                        of: Float16.widen8(source + i), as: SIMD8<Float>.self)
                    i += 8
                }
                while i < h.count {
                    target[i] = Float(source[i])
                    i += 1
                }
            }
            initialized = halves.count
        }
    }

    /// Eight halves' bit patterns widened by integer operations and one
    /// multiplication: the magnitude bits moved into a float's place, then
    /// scaled by 2^112 to rebase the exponent, which is exact for every finite
    /// half, subnormals included (infinities and NaN, which no weight is, are not
    /// kept). For CPUs without a conversion instruction.
    @inline(__always)
    public static func widen8ByIntegers(_ bits16: SIMD8<UInt16>) -> SIMD8<Float> {
        let bits = SIMD8<UInt32>(truncatingIfNeeded: bits16)
        let magnitude = unsafeBitCast((bits & 0x7FFF) &<< 13, to: SIMD8<Float>.self) * 0x1p112
        let sign = (bits & 0x8000) &<< 16
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | sign, to: SIMD8<Float>.self)
    }

    /// The nearest 16-bit value of each (for weights read from a 32-bit record).
    public static func roundedToNearest(_ values: [Float]) -> [Float16] {
        values.map { Float16($0) }
    }

    /// Each value times `2^scaleExponent`, rounded stochastically to 16 bits.
    ///
    /// A 32-bit float has 13 more mantissa bits than a half: adding 13
    /// random bits to its magnitude and clearing them rounds it up with
    /// exactly the probability of its distance to the lower half, after
    /// which the conversion is exact (below the halves' normal range, where
    /// fewer bits remain, it rounds to nearest: values that small are noise
    /// here). Values beyond the largest half saturate there.
    public static func roundedStochastically(
        _ values: [Float], scaleExponent: Int = 0, using rng: inout SplitMix64
    ) -> [Float16] {
        let scale = Float(sign: .plus, exponent: scaleExponent, significand: 1)
        var result = [Float16](repeating: 0, count: values.count)
        var random: UInt64 = 0
        for i in values.indices {
            if i % 4 == 0 { random = rng.next() }
            let scaled = values[i] * scale
            let bits = scaled.bitPattern
            let sign = bits & 0x8000_0000
            let magnitude = bits & 0x7FFF_FFFF
            let noise = UInt32(truncatingIfNeeded: random) & 0x1FFF
            random >>= 16
            let rounded = Float(bitPattern: sign | (min(magnitude &+ noise, 0x477F_E000) & ~0x1FFF))
            result[i] = scaled.isFinite ? Float16(rounded) : Float16(scaled)
        }
        return result
    }

    /// The exponent `e` that brings the largest magnitude of `values` near
    /// `2^14` when multiplied by `2^e`: the halves' range is then used from
    /// the top, and values 10^-8 of the largest still have every bit.
    public static func scaleExponent(for values: [Float]) -> Int {
        let largest = values.reduce(Float(0)) { max($0, abs($1)) }
        guard largest.isNormal else { return 0 }
        return 14 - Int(largest.exponent)
    }
}

/// Adam's two moments as a series keeps them between training jobs: 16-bit
/// values, the first moment and the square root of the second, each array
/// scaled by a power of two so that its largest value sits near the top of
/// the halves' range. Moments are small and spread wide: squared gradients
/// reach 10^-12 and differ by ten orders of magnitude between weights; their
/// roots spread over half as many, inside a half's range, so no weight's
/// second moment becomes 0 while its first is not (which would make its
/// step huge). Rounded stochastically, so that the slow average of the
/// second moment (β₂ = 0.999 moves it by 0.1% a step, less than a half's
/// unit in the last place) still moves. A job widens them to 32 bits,
/// updates, narrows again.
public struct StoredMoments: Sendable, Hashable {
    public var first: [Float16]
    /// The square roots of the second moments.
    public var secondRoot: [Float16]
    /// Stored value = moment (root) × 2^exponent.
    public var firstExponent: Int
    public var secondExponent: Int
    public var step: Int

    /// None: a series that has never trained.
    public static let none = StoredMoments(first: [], secondRoot: [], firstExponent: 0, secondExponent: 0, step: 0)

    public init(first: [Float16], secondRoot: [Float16], firstExponent: Int, secondExponent: Int, step: Int) {
        precondition(first.count == secondRoot.count, "Adam moments differ in size")
        self.first = first
        self.secondRoot = secondRoot
        self.firstExponent = firstExponent
        self.secondExponent = secondExponent
        self.step = step
    }

    public init(_ state: AdamState<Float>, using rng: inout SplitMix64) {
        let roots = state.secondMoment.map { $0.squareRoot() }
        let firstExponent = HalfPrecision.scaleExponent(for: state.firstMoment)
        let secondExponent = HalfPrecision.scaleExponent(for: roots)
        self.init(
            first: HalfPrecision.roundedStochastically(state.firstMoment, scaleExponent: firstExponent, using: &rng),
            secondRoot: HalfPrecision.roundedStochastically(roots, scaleExponent: secondExponent, using: &rng),
            firstExponent: firstExponent, secondExponent: secondExponent, step: state.step)
    }

    public var isEmpty: Bool { first.isEmpty }

    /// The moments in 32 bits, for a job.
    public var widened: AdamState<Float> {
        func unscaled(_ halves: [Float16], _ exponent: Int) -> [Float] {
            let scale = Float(sign: .plus, exponent: -exponent, significand: 1)
            var values = HalfPrecision.widened(halves)
            for i in values.indices { values[i] *= scale }
            return values
        }
        var second = unscaled(secondRoot, secondExponent)
        for i in second.indices { second[i] *= second[i] }
        return AdamState(firstMoment: unscaled(first, firstExponent), secondMoment: second, step: step)
    }
}
