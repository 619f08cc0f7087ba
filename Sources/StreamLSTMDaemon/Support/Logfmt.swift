import Logging

/// Log metadata as logfmt has it (as Prometheus, Loki and Alertmanager log): one scalar per key,
/// quoted when it holds a space, a quote or an equals sign, or is empty. A nested dictionary
/// becomes one key per entry (`rejected_out_of_order=3`), a list one quoted value; no Swift
/// literal (`[:]`, `["a": "1"]`) reaches the log.
package enum Logfmt {
    package static func metadata(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var flat: Logger.Metadata = [:]
        for (key, value) in metadata { add(key, value, to: &flat) }
        return flat
    }

    private static func add(_ key: String, _ value: Logger.Metadata.Value, to flat: inout Logger.Metadata) {
        if case .dictionary(let entries) = value {
            for (name, inner) in entries { add("\(key)_\(name)", inner, to: &flat) }
        } else {
            flat[key] = .string(quoted(text(value)))
        }
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let items): items.map(text).joined(separator: " ")
        case .dictionary(let entries):
            entries.sorted { $0.key < $1.key }.map { "\($0.key):\(text($0.value))" }.joined(
                separator: " ")
        }
    }

    /// `text`, in double quotes with `\`, `"` and control characters escaped, when a reader would
    /// otherwise split it: one event stays one line, whatever a peer's reply holds (a proxy's error
    /// page ends its lines in CR LF, which Swift counts as one character).
    package static func quoted(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar != " " && scalar != "\"" && scalar != "=" && !isControl(scalar)
            }
        guard !plain else { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
