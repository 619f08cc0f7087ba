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

    /// `text`, in double quotes with `\` and `"` escaped when a reader would otherwise split it.
    package static func quoted(_ text: String) -> String {
        guard text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) else {
            return text
        }
        var out = "\""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}
