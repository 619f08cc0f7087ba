/// Durations as operators type them: `90s`, `15m`, `2h`, `1d`, `1w`, or several in a row (`1h30m`).
package enum SilenceDuration {
    package static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    /// Seconds, or an error naming the form to write.
    package static func parse(_ text: String) throws(SilenceError) -> Double {
        let refusal = SilenceError(
            "\"\(text)\" is not a duration: write a number and a unit, as in 90s, 15m, 2h, 1d or 1h30m")
        var total = 0.0
        var digits = ""
        var sawUnit = false
        for character in text {
            if character.isASCII && (character.isNumber || character == ".") {
                digits.append(character)
            } else if let unit = units[character], let number = Double(digits) {
                total += number * unit
                digits = ""
                sawUnit = true
            } else {
                throw refusal
            }
        }
        guard sawUnit, digits.isEmpty, total.isFinite else { throw refusal }
        return total
    }

    /// `2h`, `15m`, `1d2h`, `90s`: whole seconds in the largest units that divide them.
    package static func format(_ seconds: Double) -> String {
        var rest = Int(seconds.rounded())
        guard rest > 0 else { return "0s" }
        var text = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
