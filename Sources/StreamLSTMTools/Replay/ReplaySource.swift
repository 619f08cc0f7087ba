import Foundation
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// One sample of a replay, with what its output row needs.
package struct ReplayRow {
    package let sample: Sample
    /// The timestamp as the input wrote it: the output row repeats it.
    package let timestampText: String
    /// Simulated time at which the sample arrives: its timestamp, or a recording's receive time.
    package let clock: Double
}

/// One input of a replay, read whole: batches of samples in input order (a
/// recorded message is one batch, as it was live; a file row is one).
package struct ReplaySource {
    /// The file as named on the command line or found in a named folder.
    package let path: String
    /// Where its results go under `--output`: its path relative to the folder it was found in.
    package let relativePath: String
    package let batches: [[ReplayRow]]
    /// Whether samples older than their series' last are taken (CSV and NDJSON:
    /// one result row per input row) or dropped as the live input would (recordings).
    package let acceptOutOfOrder: Bool
    /// Whether the rows name their series (output rows then do too).
    package let manySeries: Bool
    /// Lines of recorded payloads that did not parse: live, they were dropped and counted too.
    package let rejections: Rejections

    package var rowCount: Int { batches.reduce(0) { $0 + $1.count } }

    /// The files to replay for the command line's inputs: files as given,
    /// folders searched (sorted, so the order is the same on every machine)
    /// for `.csv`, `.ndjson`, `.jsonl` and `.rec` files.
    package static func expand(_ inputs: [String]) -> [(path: String, relativePath: String)] {
        var found: [(String, String)] = []
        let extensions: Set<String> = ["csv", "ndjson", "jsonl", "rec"]
        for input in inputs {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder), isFolder.boolValue else {
                found.append((input, URL(fileURLWithPath: input).lastPathComponent))
                continue
            }
            let files = (FileManager.default.subpaths(atPath: input) ?? [])
                .filter { extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
                .sorted()
            for relative in files { found.append(((input as NSString).appendingPathComponent(relative), relative)) }
        }
        return found
    }

    /// Reads a file: a `record` recording, NDJSON samples or CSV (see RecordingReader).
    package static func read(path: String, relativePath: String, recordedInput: InputConfig) throws(RecordingError)
        -> ReplaySource
    {
        let lines = try RecordingReader.readLines(path)
        if let first = lines.first, StreamRecording.isRecording(firstLine: first) {
            let messages = try StreamRecording.read(lines, file: path)
            return fromRecording(messages, path: path, relativePath: relativePath, input: recordedInput)
        }
        let samples = try RecordingReader.read(
            lines: lines, file: path,
            defaultSeries: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        let keys = Set(samples.lazy.map(\.key))
        let batches = samples.map { recorded in
            [
                ReplayRow(
                    sample: Sample(key: recorded.key, timestamp: recorded.timestamp, value: recorded.value),
                    timestampText: recorded.timestampText, clock: recorded.timestamp)
            ]
        }
        let header = lines.first ?? ""
        let named = keys.count > 1 || !(header.hasPrefix("timestamp") || header.hasPrefix("\"timestamp"))
        return ReplaySource(
            path: path, relativePath: relativePath, batches: batches, acceptOutOfOrder: true,
            manySeries: named, rejections: Rejections())
    }

    /// Parses recorded payloads the way the live input did.
    private static func fromRecording(
        _ messages: [RecordedMessage], path: String, relativePath: String,
        input: InputConfig
    ) -> ReplaySource {
        let parser = PayloadParser(
            format: input.format, maxKeyLength: input.maxKeyLength,
            influxPrecision: input.influxPrecision)
        var rejections = Rejections()
        var batches: [[ReplayRow]] = []
        for message in messages {
            var result = ParseResult()
            Input.decode(message.frames, config: input, parser: parser, now: message.received, into: &result)
            rejections.merge(result.rejections)
            guard !result.samples.isEmpty else { continue }
            batches.append(
                result.samples.map {
                    ReplayRow(sample: $0, timestampText: rfc3339($0.timestamp), clock: message.received)
                })
        }
        return ReplaySource(
            path: path, relativePath: relativePath, batches: batches,
            acceptOutOfOrder: input.acceptOutOfOrder, manySeries: true, rejections: rejections)
    }
}
