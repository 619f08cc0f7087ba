import StreamLSTMVocabulary

/// Graphite's plaintext protocol: `path value [timestamp]` per line, the
/// timestamp in unix seconds (absent or -1: now). Tagged paths
/// `path;tag=value;...` become labels.
///
/// It reads the payload where it lies: fields are byte ranges of the line,
/// numbers are parsed from them directly (`DecimalNumber`), and the only
/// thing a line allocates is its key, and only when the key is longer than
/// a String holds inline (15 bytes).
package struct GraphiteParser {
    package var maxKeyLength: Int

    package func parse(_ payload: ArraySlice<UInt8>, now: Double, into result: inout ParseResult) {
        payload.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                var lineEnd = end
                if lineEnd > start, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                parseLine(UnsafeBufferPointer(rebasing: bytes[start..<lineEnd]), now: now, into: &result)
                start = end + 1
            }
        }
    }

    /// One line without its line break; a line of only blanks is no line.
    package func parseLine(_ line: UnsafeBufferPointer<UInt8>, now: Double, into result: inout ParseResult) {
        // The fields: runs of bytes between blanks (spaces or tabs); at most three are wanted.
        var fields: (Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0)
        var fieldCount = 0
        var index = 0
        while index < line.count {
            guard !Self.isBlank(line[index]) else {
                index += 1
                continue
            }
            let start = index
            while index < line.count, !Self.isBlank(line[index]) { index += 1 }
            switch fieldCount {
            case 0: fields.0 = start..<index
            case 1: fields.1 = start..<index
            case 2: fields.2 = start..<index
            default: break
            }
            fieldCount += 1
        }
        guard fieldCount > 0 else { return }
        guard fieldCount == 2 || fieldCount == 3 else {
            result.rejections.add(.unparseable, "graphite: expected `path value [timestamp]`, got \(quoted(line))")
            return
        }
        let parsedKey: String?
        do {
            parsedKey = try key(UnsafeBufferPointer(rebasing: line[fields.0]))
        } catch {
            result.rejections.add(.badName, "graphite: \(error)")
            return
        }
        guard let parsedKey else {
            result.rejections.add(.unparseable, "graphite: bad path or tags in \(quoted(line))")
            return
        }
        guard let key = SampleChecks.keyWithinLimit(parsedKey, maxKeyLength, format: "graphite", &result.rejections)
        else { return }
        guard let value = DecimalNumber.parse(UnsafeBufferPointer(rebasing: line[fields.1])) else {
            result.rejections.add(.unparseable, "graphite: value is not a number in \(quoted(line))")
            return
        }
        if let problem = SampleChecks.valueProblem(value) {
            result.rejections.add(problem, "graphite: value \(value) refused in \(quoted(line))")
            return
        }
        var timestamp = now
        if fieldCount == 3 {
            // -1 asks for the time of receipt, as carbon takes it.
            guard let seconds = DecimalNumber.parse(UnsafeBufferPointer(rebasing: line[fields.2])),
                seconds == -1 || SampleChecks.isPlausible(timestamp: seconds)
            else {
                result.rejections.add(.badTimestamp, "graphite: bad timestamp in \(quoted(line))")
                return
            }
            if seconds != -1 { timestamp = seconds }
        }
        result.samples.append(Sample(key: key, timestamp: timestamp, value: value))
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// `path` or `path;tag=value;...` as a canonical series key; nil when it does not parse, a
    /// `SeriesKey.Problem` when it makes no key.
    private func key(_ path: UnsafeBufferPointer<UInt8>) throws(SeriesKey.Problem) -> String? {
        guard let firstSemicolon = path.firstIndex(of: UInt8(ascii: ";")) else {
            return path.isEmpty ? nil : try SeriesKey.make(name: String(decoding: path, as: UTF8.self), labels: [])
        }
        guard firstSemicolon > 0 else { return nil }
        let parts = path.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
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
        return try SeriesKey.make(name: String(decoding: parts[0], as: UTF8.self), labels: labels)
    }
}

/// The non-empty lines of a payload, without their `\n` or `\r\n`.
package struct Lines: Sequence, IteratorProtocol {
    private var rest: ArraySlice<UInt8>

    package init(_ payload: ArraySlice<UInt8>) {
        rest = payload
    }

    package mutating func next() -> ArraySlice<UInt8>? {
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
package func quoted<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let limit = 120
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return "\"" + text + (bytes.count > limit ? "…" : "") + "\""
}
