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
