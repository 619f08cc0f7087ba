/// Numbers in payload text, parsed without building a String for the common
/// case: `[+-]digits[.digits][(e|E)[+-]digits]` with at most 19 significant
/// digits and a decimal exponent within ±19, which is how metric producers
/// print values (Swift, Go and Python all print up to 17 digits) and
/// timestamps. That case is computed exactly with 64 × 64-bit products and
/// 128 / 64-bit quotients, rounded once to the nearest double, so it gives
/// bit for bit what `Double(String)` gives; every other spelling (more
/// digits, larger exponents, `inf`, `nan`, hexadecimal) goes to
/// `Double(String)` itself. glibc's strtod takes its multi-precision path on
/// 17-digit values, which made it a tenth of the input thread's time.
package enum DecimalNumber {
    /// The value `bytes` spell, as `Double(String(decoding: bytes, as: UTF8.self))` reads it.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if let value = parseSimple(bytes) { return value }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// 10^0 ... 10^19: every power of ten a UInt64 holds.
    private static let powersOfTen: [UInt64] = (0...19).map { power in
        (0..<power).reduce(1) { value, _ in value * 10 }
    }

    /// The simple spelling's value, or nil for anything else (then `Double(String)` decides).
    package static func parseSimple(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        let count = bytes.count
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var significand: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var integerDigits = 0
        while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
            guard accumulate(bytes[index], into: &significand, digits: &significantDigits) else { return nil }
            integerDigits += 1
            index += 1
        }
        guard integerDigits > 0 else { return nil }  // ".5", "inf", "nan", "": Double(String) decides
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
                guard accumulate(bytes[index], into: &significand, digits: &significantDigits) else { return nil }
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }  // "1.": Double(String) decides
            exponent -= fractionDigits
        }
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var negativeExponent = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                negativeExponent = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            var exponentDigits = 0
            while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
                guard exponentDigits < 4 else { return nil }  // far out of the simple range
                written = written * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += negativeExponent ? -written : written
        }
        guard index == count else { return nil }
        guard let magnitude = exactValue(significand, timesTenTo: exponent) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Appends a digit to the significand; leading zeros are not significant. False past 19 digits.
    @inline(__always)
    private static func accumulate(_ digit: UInt8, into significand: inout UInt64, digits: inout Int) -> Bool {
        guard significand != 0 || digit != UInt8(ascii: "0") else { return true }
        guard digits < 19 else { return false }
        significand = significand * 10 + UInt64(digit &- UInt8(ascii: "0"))
        digits += 1
        return true
    }

    /// `significand × 10^exponent` rounded once to the nearest double (ties to even); nil when
    /// |exponent| > 19. The exact product or quotient is brought to 64 significant bits, with a
    /// sticky bit for anything below them, and `Double(UInt64)` rounds those 64 bits correctly:
    /// the sticky bit only ever breaks what would otherwise look like a tie.
    package static func exactValue(_ significand: UInt64, timesTenTo exponent: Int) -> Double? {
        guard significand != 0 else { return 0 }
        guard abs(exponent) <= 19 else { return nil }
        if exponent == 0 { return Double(significand) }
        let power = powersOfTen[abs(exponent)]
        if exponent > 0 {
            let (high, low) = significand.multipliedFullWidth(by: power)
            guard high != 0 else { return Double(low) }
            let shift = high.leadingZeroBitCount
            let top = shift == 0 ? high : (high << shift) | (low >> (64 - shift))
            let sticky: UInt64 = low << shift != 0 ? 1 : 0
            return Double(top | sticky) * Double(sign: .plus, exponent: 64 - shift, significand: 1)
        }
        // significand / 10^k: both normalised to a top bit of 1, so that the quotient of the
        // numerator, widened by 63 or 64 bits, has exactly 64 bits.
        let numeratorShift = significand.leadingZeroBitCount
        let divisorShift = power.leadingZeroBitCount
        let numerator = significand << numeratorShift
        let divisor = power << divisorShift
        let widening = numerator < divisor ? 64 : 63
        let dividend: (high: UInt64, low: UInt64) =
            widening == 64 ? (numerator, 0) : (numerator >> 1, numerator << 63)
        let (quotient, remainder) = divisor.dividingFullWidth(dividend)
        let sticky: UInt64 = remainder != 0 ? 1 : 0
        return Double(quotient | sticky)
            * Double(sign: .plus, exponent: divisorShift - numeratorShift - widening, significand: 1)
    }
}
