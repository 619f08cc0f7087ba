/// Graphite's plaintext protocol: `path value [timestamp]` per line, the
/// timestamp in unix seconds (absent or -1: now). Tagged paths
/// `path;tag=value;...` become labels.
struct GraphiteParser {
    var maxKeyLength: Int

    func parse(_ payload: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        for line in Lines(payload) {
            parseLine(line, now: now, into: &result)
        }
    }

    func parseLine(_ line: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        guard fields.count == 2 || fields.count == 3 else {
            result.rejections.add(.unparseable, "graphite: expected `path value [timestamp]`, got \(quoted(line))")
            return
        }
        guard let key = key(fields[0]) else {
            result.rejections.add(.unparseable, "graphite: bad path or tags in \(quoted(line))")
            return
        }
        guard key.utf8.count <= maxKeyLength else {
            result.rejections.add(
                .keyTooLong, "graphite: series key of \(key.utf8.count) bytes (limit \(maxKeyLength))")
            return
        }
        guard let value = Double(String(decoding: fields[1], as: UTF8.self)) else {
            result.rejections.add(.unparseable, "graphite: value is not a number in \(quoted(line))")
            return
        }
        if let problem = SampleChecks.valueProblem(value) {
            result.rejections.add(problem, "graphite: value \(value) refused in \(quoted(line))")
            return
        }
        var timestamp = now
        if fields.count == 3 {
            // -1 asks for the time of receipt, as carbon takes it.
            guard let seconds = Double(String(decoding: fields[2], as: UTF8.self)),
                seconds == -1 || SampleChecks.isPlausible(timestamp: seconds)
            else {
                result.rejections.add(.badTimestamp, "graphite: bad timestamp in \(quoted(line))")
                return
            }
            if seconds != -1 { timestamp = seconds }
        }
        result.samples.append(Sample(key: key, timestamp: timestamp, value: value))
    }

    /// `path` or `path;tag=value;...` as a canonical series key.
    private func key(_ path: ArraySlice<UInt8>) -> String? {
        let parts = path.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { return nil }
        var labels: [(String, String)] = []
        for tag in parts.dropFirst() {
            guard let equals = tag.firstIndex(of: UInt8(ascii: "=")), equals != tag.startIndex,
                equals != tag.index(before: tag.endIndex)
            else { return nil }
            labels.append(
                (
                    String(decoding: tag[..<equals], as: UTF8.self),
                    String(decoding: tag[tag.index(after: equals)...], as: UTF8.self)
                ))
        }
        return SeriesKey.make(name: String(decoding: name, as: UTF8.self), labels: labels)
    }
}

/// The non-empty lines of a payload, without their `\n` or `\r\n`.
struct Lines: Sequence, IteratorProtocol {
    private var rest: ArraySlice<UInt8>

    init(_ payload: ArraySlice<UInt8>) {
        rest = payload
    }

    mutating func next() -> ArraySlice<UInt8>? {
        while !rest.isEmpty {
            let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
            var line = rest[rest.startIndex..<end]
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return line }
        }
        return nil
    }
}

/// A line for a log message: quoted, and cut short if long.
func quoted<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let limit = 120
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return "\"" + text + (bytes.count > limit ? "…" : "") + "\""
}
