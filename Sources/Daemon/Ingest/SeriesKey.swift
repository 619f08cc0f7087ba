/// Series identity: canonical keys and their fingerprints.
enum SeriesKey {
    /// `name{k="v",...}` with labels sorted by name and values escaped as in
    /// Prometheus' text format (`\\`, `\"`, `\n`); just `name` without labels.
    static func make<S: StringProtocol>(name: S, labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return String(name) }
        var key = String(name)
        key.append("{")
        for (index, (label, value)) in labels.sorted(by: { $0.0 < $1.0 }).enumerated() {
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

    /// The name and labels of a key that `make` built; the inverse of `make`.
    static func parse(_ key: String) -> (name: String, labels: [(String, String)]) {
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
    static func fingerprint<S: StringProtocol>(_ key: S) -> UInt64 {
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
