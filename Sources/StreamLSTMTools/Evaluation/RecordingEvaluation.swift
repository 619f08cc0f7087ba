import Foundation
import Logging
import StreamLSTMDaemon

/// A user's own recordings scored against their own labels (`evaluate --labels STATE/feedback.json
/// RECORDING`): each recording replayed through the detection with the daemon's configuration, then
/// every series in it scored as a file of its own, with the windows labelled for its key.
package enum RecordingEvaluation {
    package static func corpus(
        recordings: [String], labels: String, config: DaemonConfig, logger: Logger
    ) throws -> LabelledCorpus {
        let windows = try LabelledWindows.load(labels)
        let files = ReplaySource.expand(recordings)
        guard !files.isEmpty else {
            throw RecordingError(file: recordings.joined(separator: " "), line: nil, problem: "no recordings")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("streamlstmd-evaluate-\(UUID())")
        defer { try? FileManager.default.removeItem(at: output) }
        var run = ReplayRun(config: config, files: files)
        run.output = output.path
        let summary = try run.run(logger: logger)
        if summary.failedFiles > 0 {
            throw RecordingError(
                file: recordings.joined(separator: " "), line: nil,
                problem: "\(summary.failedFiles) could not be replayed")
        }
        var corpus = LabelledCorpus()
        for file in files {
            do {
                let source = try ReplaySource.read(
                    path: file.path, relativePath: file.relativePath,
                    recordedInput: config.inputs.first ?? InputConfig(mode: .listen, endpoints: []))
                let rows = source.batches.flatMap { $0 }
                let result = ResultWriter.resultURL(output: output, relativePath: file.relativePath)
                let (scores, alerts, pages) = try LabelledCorpus.readScores(result.path)
                guard scores.count == rows.count else {
                    throw RecordingError(
                        file: result.path, line: nil, problem: "\(scores.count) result rows for \(rows.count) samples")
                }
                // Rows by series, in the recording's order.
                var bySeries: [String: [Int]] = [:]
                for (index, row) in rows.enumerated() { bySeries[row.sample.key, default: []].append(index) }
                for key in bySeries.keys.sorted() {
                    let indices = bySeries[key]!
                    let file = NABFile(
                        name: key, scores: indices.map { scores[$0] },
                        windows: LabelledCorpus.rowRanges(
                            indices.map { rows[$0].sample.timestamp }, windows[key] ?? []),
                        alerts: alerts.isEmpty ? [] : indices.map { alerts[$0] },
                        pages: pages.isEmpty ? [] : indices.map { pages[$0] })
                    corpus.files.append((source.relativePath, file))
                }
            } catch {
                corpus.errors.append(error)
            }
        }
        return corpus
    }
}
