import StreamLSTM
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The payload number parser against the standard library's `Double(String)`, bit for bit.
@Suite("Decimal numbers in payloads")
struct DecimalNumberTests {
    private static func parsed(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalNumber.parse($0) }
    }

    /// The same answer as `Double(String)`: the same bits, or nil both ways (NaN matches NaN).
    private static func agrees(_ text: String) -> Bool {
        let ours = parsed(text)
        let standard = Double(text)
        switch (ours, standard) {
        case (nil, nil): return true
        case (let a?, let b?): return a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        default: return false
        }
    }

    @Test("Spellings at and past the edges of the exact path, and what is not a number")
    func edges() {
        let texts = [
            "", "+", "-", ".", "1.", ".5", "-.5", "1e", "1e+", "e5", "inf", "-inf", "nan", "NaN", "infinity",
            "0x1p3", "1_0", " 1", "1 ", "00", "-0", "+0", "-0.0", "0e0", "007", "+5", "1.5e3", "1.5E-3", "1e+19",
            "1e19", "1e20", "1e-19", "1e-20", "9999999999999999999", "18446744073709551615", "18446744073709551616",
            "12345678901234567890", "0.00000000000000000001", "1.0000000000000000000", "9.999999999999999999e19",
            // Halfway between two doubles, and just either side: ties go to even.
            "9007199254740993", "9007199254740995", "9007199254740993.0000001", "9007199254740992.9999999",
            "0.1", "0.2", "0.3", "2.2250738585072014e-308", "4.9406564584124654e-324", "1.7976931348623157e308",
            "1e-0", "1e00019", "5.000000000000000000", "1.7e-1a", "1..2", "1e5.5", "--1", "+-1", "١٢", "1,5",
            "1700000000", "-1", "5.123456789012345", "4.999999999999999", "123456789.12345678",
        ]
        for text in texts {
            #expect(
                Self.agrees(text),
                "\(text): \(String(describing: Self.parsed(text))) vs \(String(describing: Double(text)))")
        }
    }

    @Test("Every double as Swift prints it reads back bit for bit, as Double(String) reads it")
    func printedDoubles() {
        var rng = SplitMix64(seed: 11)
        var disagreements: [String] = []
        for round in 0..<200_000 {
            let value: Double
            switch round % 4 {
            case 0: value = Double(bitPattern: rng.next())  // any double: every exponent, NaN, infinities
            case 1: value = Double(Int64(bitPattern: rng.next()) % 1_000_000_000) / 1000  // metric-like
            case 2: value = 5 + rng.gaussian()  // 17 significant digits
            default: value = Double(rng.next() % 1_000_000) * 1e-7
            }
            let text = "\(value)"
            if !Self.agrees(text) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test("Random digit strings: any length, any point and exponent, signs and leading zeros")
    func randomDigits() {
        var rng = SplitMix64(seed: 12)
        var disagreements: [String] = []
        for _ in 0..<200_000 {
            var text = ["", "-", "+"][Int(rng.next() % 3)]
            let digits = 1 + Int(rng.next() % 24)
            let point = Int(rng.next() % UInt64(digits + 2))  // digits + 1: no point
            for index in 0..<digits {
                if index == point && index > 0 { text += "." }
                // Runs of zeros and nines, where rounding is closest to a tie.
                let digit = rng.next() % 4 == 0 ? (rng.next() % 2 == 0 ? 0 : 9) : rng.next() % 10
                text += "\(digit)"
            }
            if rng.next() % 2 == 0 { text += "e\(Int(rng.next() % 50) - 25)" }
            if !Self.agrees(text) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    }

    @Test("The exact path takes the usual spellings of values and timestamps")
    func exactPathTakesUsualSpellings() {
        for text in ["42.5", "-3e2", "1700000000", "5.123456789012345", "0.000123", "1e-19", "123456789012345678"] {
            let simple = Array(text.utf8).withUnsafeBufferPointer { DecimalNumber.parseSimple($0) }
            #expect(simple != nil, "\(text)")
        }
    }
}
