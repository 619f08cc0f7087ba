/// Writes compact JSON with keys in the order given, so that the same event
/// always gives the same bytes (replays compare output byte for byte).
package struct JSONWriter {
    package init() {}

    package private(set) var text = ""
    private var needsComma = [false]

    package mutating func beginObject(_ key: String? = nil) {
        prefix(key)
        text.append("{")
        needsComma.append(false)
    }

    package mutating func endObject() {
        needsComma.removeLast()
        text.append("}")
    }

    package mutating func string(_ key: String?, _ value: String) {
        prefix(key)
        Self.appendQuoted(value, to: &text)
    }

    package mutating func number(_ key: String?, _ value: Double?) {
        prefix(key)
        guard let value, value.isFinite else {
            text.append("null")
            return
        }
        text.append(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
    }

    package mutating func integer(_ key: String?, _ value: Int) {
        prefix(key)
        text.append(String(value))
    }

    package mutating func bool(_ key: String?, _ value: Bool) {
        prefix(key)
        text.append(value ? "true" : "false")
    }

    /// JSON already written (a nested value made elsewhere), as it is.
    package mutating func raw(_ key: String?, _ json: String) {
        prefix(key)
        text.append(json)
    }

    /// A writer with an object begun, for `finishObject()`.
    package static func object() -> JSONWriter {
        var writer = JSONWriter()
        writer.beginObject()
        return writer
    }

    /// Ends the object `object()` began and returns the text.
    package mutating func finishObject() -> String {
        endObject()
        return text
    }

    private mutating func prefix(_ key: String?) {
        if needsComma[needsComma.count - 1] { text.append(",") }
        needsComma[needsComma.count - 1] = true
        if let key {
            Self.appendQuoted(key, to: &text)
            text.append(":")
        }
    }

    package static func appendQuoted(_ value: String, to text: inout String) {
        text.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }
}

/// RFC 3339 in UTC: `2025-01-01T10:00:00Z`, with milliseconds when the time has a fraction.
/// A time no four-digit year can show (or NaN) is written as its number of seconds instead:
/// formatting never traps, whatever reached it.
package func rfc3339(_ seconds: Double) -> String {
    guard seconds >= -62_135_596_800 && seconds < 253_402_300_800 else { return "\(seconds)" }
    let milliseconds = Int64((seconds * 1000).rounded(.down))
    let (days, dayMilliseconds) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
    let (dayNumber, msOfDay) = dayMilliseconds < 0 ? (days - 1, dayMilliseconds + 86_400_000) : (days, dayMilliseconds)
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = Int(dayNumber) + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    let ms = Int(msOfDay)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    var text =
        "\(year)-\(two(month))-\(two(day))T\(two(ms / 3_600_000)):\(two(ms / 60_000 % 60)):\(two(ms / 1000 % 60))"
    if ms % 1000 != 0 {
        let fraction = ms % 1000
        text += "." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + "\(fraction)"
    }
    return text + "Z"
}
