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
        var values = [Float](repeating: 0, count: halves.count)
        widen(halves, into: &values)
        return values
    }

    /// Widens `halves` into `values` (of the same count), each divided by
    /// `2^scaleExponent`, and squared with `squared`: a trainer's buffers are
    /// filled in place, job after job, instead of allocated for each.
    public static func widen(
        _ halves: [Float16], into values: inout [Float], scaleExponent: Int = 0, squared: Bool = false
    ) {
        precondition(values.count == halves.count, "widening into a buffer of another size")
        let scale = SIMD8<Float>(repeating: Float(sign: .plus, exponent: -scaleExponent, significand: 1))
        halves.withUnsafeBufferPointer { h in
            values.withUnsafeMutableBufferPointer { v in
                var i = 0
                while i + 8 <= h.count {
                    var x = Float16.widen8(h.baseAddress! + i) * scale
                    if squared { x *= x }
                    UnsafeMutableRawPointer(v.baseAddress! + i).storeBytes(of: x, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < h.count {
                    var x = Float(h[i]) * scale[0]
                    if squared { x *= x }
                    v[i] = x
                    i += 1
                }
            }
        }
    }

    /// Eight halves' bit patterns widened by integer operations and one
    /// multiplication: the magnitude bits moved into a float's place, then
    /// scaled by 2^112 to rebase the exponent, which is exact for every finite
    /// half, subnormals included (infinities and NaN, which no weight is, are not
    /// kept). For CPUs without a conversion instruction.
    @inline(__always)
    public static func widen8ByIntegers(_ bits16: SIMD8<UInt16>) -> SIMD8<Float> {
        // Each half into the top of a 32-bit lane by interleaving (one unpack instruction); SIMD8's
        // converting initialiser is a generic call per eight values, lane-by-lane code slower still.
        var spread = SIMD16<UInt16>()
        spread.oddHalf = bits16
        let high = unsafeBitCast(spread, to: SIMD8<UInt32>.self)
        let magnitude = unsafeBitCast((high & 0x7FFF_0000) &>> 3, to: SIMD8<Float>.self) * 0x1p112
        return unsafeBitCast(
            unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | (high & 0x8000_0000), to: SIMD8<Float>.self)
    }

    /// One half widened the same way.
    @inline(__always)
    public static func widenByIntegers(_ bits16: UInt16) -> Float {
        let bits = UInt32(bits16)
        let magnitude = Float(bitPattern: (bits & 0x7FFF) << 13) * 0x1p112
        return Float(bitPattern: magnitude.bitPattern | (bits & 0x8000) << 16)
    }

    /// Eight floats narrowed to halves' bit patterns by integer operations,
    /// for CPUs without a conversion instruction (where `Float16(x)` is a
    /// library call per value): exact for floats a half represents (the
    /// stochastic rounding leaves only such values in the halves' normal
    /// range), rounded to nearest below it, where adding 2^23 to the value
    /// scaled to units of the smallest half leaves the rounded count in the
    /// low bits. No infinities or NaN (no weight or moment is either).
    @inline(__always)
    public static func narrow8ByIntegers(_ x: SIMD8<Float>) -> SIMD8<UInt16> {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let magnitude = bits & 0x7FFF_FFFF
        var half = (magnitude &>> 13) &- 0x1_C000  // rebias the exponent from 127 to 15
        let scaled = unsafeBitCast(magnitude, to: SIMD8<Float>.self) * 0x1p24 + 0x1p23
        let subnormal = unsafeBitCast(scaled, to: SIMD8<UInt32>.self) &- 0x4B00_0000
        half.replace(with: subnormal, where: magnitude .< 0x3880_0000)  // below 2^-14
        // The low 16 bits of each lane are its half (see widen8ByIntegers for why not a conversion).
        return unsafeBitCast(half | ((bits &>> 16) & 0x8000), to: SIMD16<UInt16>.self).evenHalf
    }

    /// Copies `source` into `target`'s own storage: a series that keeps
    /// learning keeps the same arrays for life instead of freeing and
    /// allocating four at every adoption, which scatters free blocks over
    /// the heap of a daemon with many series (the resident set grew a tenth
    /// beyond what the series held). Storage still shared (the prior, a
    /// snapshot being written) is copied first, as for any write. An array
    /// of another size (a series' first moments) is copied anew on this
    /// thread, not taken over: its storage then comes from the thread of the
    /// series that keeps it, not the trainer's (whose free blocks it would pin).
    public static func copy(_ source: [Float16], into target: inout [Float16]) {
        guard target.count == source.count else {
            target = source.withUnsafeBufferPointer { Array($0) }
            return
        }
        target.withUnsafeMutableBufferPointer { t in
            source.withUnsafeBufferPointer { s in t.baseAddress!.update(from: s.baseAddress!, count: s.count) }
        }
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
    /// here). Magnitudes beyond the largest half saturate there. Eight at a
    /// time. With `roots`, the square roots of the values are rounded.
    public static func roundedStochastically(
        _ values: [Float], scaleExponent: Int = 0, roots: Bool = false, using rng: inout SplitMix64
    ) -> [Float16] {
        let scale = SIMD8<Float>(repeating: Float(sign: .plus, exponent: scaleExponent, significand: 1))
        let largest = SIMD8<UInt32>(repeating: Float(Float16.greatestFiniteMagnitude).bitPattern)
        @inline(__always)
        func round8(_ x: SIMD8<Float>, _ random: inout SIMD8<UInt32>) -> SIMD8<Float16> {
            let bits = unsafeBitCast((roots ? Kernels.squareRoot8(x) : x) * scale, to: SIMD8<UInt32>.self)
            random ^= random &<< 13
            random ^= random &>> 17
            random ^= random &<< 5
            var magnitude = (bits & 0x7FFF_FFFF) &+ (random & 0x1FFF)
            magnitude.replace(with: largest, where: magnitude .> largest)
            let rounded = (magnitude & ~0x1FFF) | (bits & 0x8000_0000)
            return narrow8(unsafeBitCast(rounded, to: SIMD8<Float>.self))
        }
        var result = [Float16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { v in
            result.withUnsafeMutableBufferPointer { r in
                // Eight xorshift generators (Marsaglia 2003), one per lane, seeded from the caller's: a
                // few vector operations per eight values, where a SplitMix64 draw per four cost as much
                // as the rest. Passed to round8, not captured by it, so that they stay in a register.
                var random = SIMD8<UInt32>((0..<8).map { _ in UInt32(truncatingIfNeeded: rng.next()) | 1 })
                var i = 0
                while i + 8 <= v.count {
                    let x = UnsafeRawPointer(v.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(r.baseAddress! + i).storeBytes(
                        of: round8(x, &random), as: SIMD8<Float16>.self)
                    i += 8
                }
                if i < v.count {
                    var x = SIMD8<Float>()
                    for k in i..<v.count { x[k - i] = v[k] }
                    let rounded = round8(x, &random)
                    for k in i..<v.count { r[k] = rounded[k - i] }
                }
            }
        }
        return result
    }

    /// Eight floats to halves (exact for the values stochastic rounding leaves).
    @inline(__always)
    static func narrow8(_ x: SIMD8<Float>) -> SIMD8<Float16> {
        #if STREAMLSTM_F16C || arch(arm64)
            SIMD8<Float16>(x)
        #else
            unsafeBitCast(narrow8ByIntegers(x), to: SIMD8<Float16>.self)
        #endif
    }

    /// The exponent `e` that brings the largest magnitude of `values` near
    /// `2^14` when multiplied by `2^e`: the halves' range is then used from
    /// the top, and values 10^-8 of the largest still have every bit.
    /// With `roots`, for the square roots of the values.
    public static func scaleExponent(for values: [Float], roots: Bool = false) -> Int {
        let largest = values.withUnsafeBufferPointer { v -> Float in
            var widest = SIMD8<Float>()
            var i = 0
            while i + 8 <= v.count {
                // Magnitudes by clearing the sign; not through pointwiseMax, which is generic and not inlined.
                let bits = UnsafeRawPointer(v.baseAddress! + i).loadUnaligned(as: SIMD8<UInt32>.self) & 0x7FFF_FFFF
                let magnitude = unsafeBitCast(bits, to: SIMD8<Float>.self)
                widest.replace(with: magnitude, where: magnitude .> widest)
                i += 8
            }
            var result = widest.max()
            while i < v.count {
                result = max(result, abs(v[i]))
                i += 1
            }
            return result
        }
        let top = roots ? largest.squareRoot() : largest
        guard top.isNormal else { return 0 }
        return 14 - Int(top.exponent)
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
        let firstExponent = HalfPrecision.scaleExponent(for: state.firstMoment)
        let secondExponent = HalfPrecision.scaleExponent(for: state.secondMoment, roots: true)
        self.init(
            first: HalfPrecision.roundedStochastically(state.firstMoment, scaleExponent: firstExponent, using: &rng),
            secondRoot: HalfPrecision.roundedStochastically(
                state.secondMoment, scaleExponent: secondExponent, roots: true, using: &rng),
            firstExponent: firstExponent, secondExponent: secondExponent, step: state.step)
    }

    public var isEmpty: Bool { first.isEmpty }

    /// Takes `other`'s values into these arrays (see `HalfPrecision.copy`).
    public mutating func overwrite(with other: StoredMoments) {
        HalfPrecision.copy(other.first, into: &first)
        HalfPrecision.copy(other.secondRoot, into: &secondRoot)
        firstExponent = other.firstExponent
        secondExponent = other.secondExponent
        step = other.step
    }

    /// The moments in 32 bits.
    public var widened: AdamState<Float> {
        var state = AdamState<Float>(parameterCount: first.count)
        widen(into: &state)
        return state
    }

    /// Widens the moments into `state`'s arrays (a trainer's, reused from job to job).
    public func widen(into state: inout AdamState<Float>) {
        if state.firstMoment.count != first.count { state = AdamState(parameterCount: first.count) }
        HalfPrecision.widen(first, into: &state.firstMoment, scaleExponent: firstExponent)
        HalfPrecision.widen(secondRoot, into: &state.secondMoment, scaleExponent: secondExponent, squared: true)
        state.step = step
    }
}
