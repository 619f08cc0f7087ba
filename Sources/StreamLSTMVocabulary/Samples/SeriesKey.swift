import Foundation

/// Series identity: canonical keys and their fingerprints.
///
/// A key names one series and no other: label names follow Prometheus' syntax
/// (`[a-zA-Z_][a-zA-Z0-9_]*`; any other character becomes `_`, and a name
/// starting with a digit gets a leading `_`, as Prometheus' own Graphite and
/// StatsD exporters map them), label values are escaped, and a series name may
/// not hold `{`, `}` or `"`. So `{"b=\"1\",c": "2"}` cannot pass for
/// `{"b": "1", "c": "2"}`, and every label reaches Alertmanager as it is named here.
package enum SeriesKey {
    /// Why a name and labels make no key; the sample is refused (`bad_name`).
    /// Why a name and labels make no key (`bad_name`); the name is cut to 200 characters.
    package enum Problem: Error, Equatable, CustomStringConvertible {
        /// The series name is empty or holds `{`, `}` or `"`.
        case badSeriesName(String)
        /// A label with an empty name, in the series named.
        case emptyLabelName(series: String)
        /// Two labels that are one after mapping (`host-name` and `host_name`), in the series named.
        case labelTwice(String, series: String)

        package var description: String {
            switch self {
            case .badSeriesName(let name): "series name \"\(name)\" is empty or holds {, } or \""
            case .emptyLabelName(let series): "an empty label name in \(series)"
            case .labelTwice(let label, let series): "label \(label) given twice (after mapping) in \(series)"
            }
        }
    }

    /// `name{k="v",...}` with labels sorted by name and values escaped as in
    /// Prometheus' text format (`\\`, `\"`, `\n`); just `name` without labels.
    /// Throws for an empty name or one holding `{`, `}` or `"`, an empty label name, or two label
    /// names that are one after mapping (`host-name` and `host_name`).
    package static func make<S: StringProtocol>(name: S, labels: [(String, String)]) throws(Problem) -> String {
        guard !name.isEmpty, !name.contains(where: { $0 == "{" || $0 == "}" || $0 == "\"" }) else {
            throw .badSeriesName(String(name.prefix(200)))
        }
        guard !labels.isEmpty else { return String(name) }
        var named = labels
        for index in named.indices where !isLabelName(named[index].0) {
            guard !named[index].0.isEmpty else {
                throw .emptyLabelName(series: String(name.prefix(200)))
            }
            named[index].0 = labelName(named[index].0)
        }
        named.sort { $0.0 < $1.0 }
        for index in named.indices.dropFirst() where named[index].0 == named[index - 1].0 {
            throw .labelTwice(named[index].0, series: String(name.prefix(200)))
        }
        var key = String(name)
        key.append("{")
        for (index, (label, value)) in named.enumerated() {
            if index > 0 { key.append(",") }
            key.append(label)
            key.append("=\"")
            for character in value {
                switch character {
                case "\\": key.append("\\\\")
                case "\"": key.append("\\\"")
                case "\n": key.append("\\n")
                default: key.append(character)
                }
            }
            key.append("\"")
        }
        key.append("}")
        return key
    }

    /// Whether `name` is a label name as Prometheus has them.
    package static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// `name` with every character outside `[a-zA-Z0-9_]` replaced by `_`, and a leading `_` before a digit.
    package static func labelName(_ name: String) -> String {
        var out = String(
            name.unicodeScalars.map { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_")
                    ? Character(scalar) : "_"
            })
        if out.first.map({ $0.isNumber }) ?? true { out = "_" + out }
        return out
    }

    /// The name and labels of a key that `make` built; the inverse of `make`.
    package static func parse(_ key: String) -> (name: String, labels: [(String, String)]) {
        guard let open = key.firstIndex(of: "{"), key.hasSuffix("}") else { return (key, []) }
        let name = String(key[..<open])
        var labels: [(String, String)] = []
        var rest = key[key.index(after: open)..<key.index(before: key.endIndex)]
        while let equals = rest.firstIndex(of: "=") {
            let label = String(rest[..<equals])
            var index = rest.index(equals, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex  // past `="`
            var value = ""
            while index < rest.endIndex, rest[index] != "\"" {
                if rest[index] == "\\", rest.index(after: index) < rest.endIndex {
                    index = rest.index(after: index)
                    value.append(rest[index] == "n" ? "\n" : rest[index])
                } else {
                    value.append(rest[index])
                }
                index = rest.index(after: index)
            }
            labels.append((label, value))
            // Past the closing quote and the comma, if any.
            rest = rest[(rest.index(index, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex)...]
        }
        return (name, labels)
    }

    /// FNV-1a over the key's UTF-8 bytes, then the SplitMix64 finaliser so
    /// that the low bits (which pick shards) are as well mixed as the high
    /// ones. Defined by these constants alone: the same on every machine,
    /// every run, every version.
    package static func fingerprint<S: StringProtocol>(_ key: S) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 31)
    }
}
