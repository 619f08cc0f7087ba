import Foundation
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// A recorded sample: series key, unix seconds, value, and the timestamp as
/// the file wrote it (replay writes it back unchanged, as NAB's layout needs).
package struct RecordedSample: Equatable, Sendable {
    package let key: String
    package let timestamp: Double
    package let value: Double
    package var timestampText = ""
}

/// Why a recording could not be read: the file and, where it applies, the line.
package struct RecordingError: Error, Equatable, CustomStringConvertible {
    package let file: String
    package let line: Int?
    package let problem: String

    package var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)" }
}

/// Reads recordings: CSV with a header (`timestamp,value`, the series named
/// after the file, or `series,timestamp,value`), and NDJSON objects in the
/// JSON input format. Timestamps are unix seconds, RFC 3339 or NAB's
/// `2014-02-14 14:27:00`.
package enum RecordingReader {
    package static func read(_ url: URL) throws(RecordingError) -> [RecordedSample] {
        try read(
            lines: readLines(url.path), file: url.path, defaultSeries: url.deletingPathExtension().lastPathComponent)
    }

    /// A file's lines, or an error naming it.
    package static func readLines(_ path: String) throws(RecordingError) -> [Substring] {
        do {
            return splitLines(try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw RecordingError(file: path, line: nil, problem: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Samples from a file's lines: NDJSON if the first line is an object, else CSV.
    package static func read(lines: [Substring], file name: String, defaultSeries: String) throws(RecordingError)
        -> [RecordedSample]
    {
        guard let first = lines.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw RecordingError(file: name, line: nil, problem: "empty file")
        }
        if lines[first].hasPrefix("{") { return try readNDJSON(lines, file: name) }
        return try readCSV(lines, headerAt: first, file: name, defaultSeries: defaultSeries)
    }

    private static func readCSV(
        _ lines: [Substring], headerAt header: Int, file: String,
        defaultSeries: String
    ) throws(RecordingError) -> [RecordedSample] {
        let columns = lines[header].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let timeColumn = columns.firstIndex(of: "timestamp"), let valueColumn = columns.firstIndex(of: "value")
        else {
            throw RecordingError(
                file: file, line: header + 1,
                problem: "the header needs `timestamp` and `value` columns, has \(columns.prefix(5))")
        }
        let seriesColumn = columns.firstIndex(of: "series")
        var samples: [RecordedSample] = []
        for index in (header + 1)..<lines.count {
            let line = lines[index]
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == columns.count else {
                throw RecordingError(
                    file: file, line: index + 1,
                    problem: "\(fields.count) columns where the header has \(columns.count)")
            }
            guard let timestamp = parseTimestamp(fields[timeColumn]) else {
                throw RecordingError(file: file, line: index + 1, problem: "bad timestamp \"\(fields[timeColumn])\"")
            }
            guard let value = Double(fields[valueColumn]) else {
                throw RecordingError(file: file, line: index + 1, problem: "bad value \"\(fields[valueColumn])\"")
            }
            let key = seriesColumn.map { fields[$0] } ?? defaultSeries
            samples.append(
                RecordedSample(
                    key: key, timestamp: timestamp, value: value,
                    timestampText: fields[timeColumn]))
        }
        return samples
    }

    private static func readNDJSON(_ lines: [Substring], file: String) throws(RecordingError) -> [RecordedSample] {
        let parser = JSONParser(maxKeyLength: 1 << 20)
        var samples: [RecordedSample] = []
        for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            var result = ParseResult()
            parser.parse(Array(line.utf8)[...], now: .nan, into: &result)
            guard result.rejections.total == 0, let sample = result.samples.first, result.samples.count == 1 else {
                throw RecordingError(
                    file: file, line: index + 1,
                    problem: result.rejections.firstProblem ?? "not one JSON sample object")
            }
            guard !sample.timestamp.isNaN else {
                throw RecordingError(file: file, line: index + 1, problem: "a recording needs \"ts\" on every object")
            }
            samples.append(
                RecordedSample(
                    key: sample.key, timestamp: sample.timestamp, value: sample.value,
                    timestampText: rfc3339(sample.timestamp)))
        }
        return samples
    }

    /// Lines without their `\n` or `\r\n`. (Swift takes "\r\n" as one
    /// Character, so splitting on "\n" alone would miss Windows line ends.)
    package static func splitLines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    package static func parseTimestamp(_ text: String) -> Double? {
        if let seconds = Double(text), seconds.isFinite { return seconds }
        return Timestamps.parseRFC3339(text)
    }
}
