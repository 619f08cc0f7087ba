import Foundation
import StreamLSTMDaemon

/// A labelled corpus read for scoring: each data file's rows and labelled
/// windows (as row ranges) with the anomaly scores of its replay result, by
/// category (the file's folder). A file that cannot be read is an error of
/// its own; the others are scored.
package struct LabelledCorpus {
    package var files: [(category: String, file: NABFile)] = []
    package var errors: [any Error] = []

    /// `dataFiles` (CSV, relative to the data folder), NAB's windows.json at `labels`, and the
    /// result CSVs at the same relative paths under `results` (`replay --output`).
    package static func load(
        _ dataFiles: [(path: String, relativePath: String)], labels: String,
        results: String
    ) throws(RecordingError) -> LabelledCorpus {
        let windows = try LabelledWindows.load(labels)
        var corpus = LabelledCorpus()
        for entry in dataFiles {
            do {
                corpus.files.append(
                    (
                        category(of: entry.relativePath),
                        try load(entry, results: results, windows: windows[entry.relativePath] ?? [])
                    ))
            } catch {
                corpus.errors.append(error)
            }
        }
        return corpus
    }

    package static func category(of relativePath: String) -> String {
        let folder = (relativePath as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// A data file's rows and windows, with the scores of its result file.
    package static func load(
        _ entry: (path: String, relativePath: String), results: String,
        windows: [(start: Double, end: Double)]
    ) throws(RecordingError) -> NABFile {
        let rows = try RecordingReader.read(URL(fileURLWithPath: entry.path))
        let resultURL = ResultWriter.resultURL(output: URL(fileURLWithPath: results), relativePath: entry.relativePath)
        let (scores, alerts, pages) = try readScores(resultURL.path)
        guard scores.count == rows.count else {
            throw RecordingError(
                file: resultURL.path, line: nil,
                problem: "\(scores.count) result rows for \(rows.count) data rows in \(entry.path)")
        }
        return NABFile(
            name: entry.relativePath, scores: scores, windows: rowRanges(rows.map(\.timestamp), windows),
            alerts: alerts, pages: pages)
    }

    /// Labelled windows as inclusive ranges of rows stamped `timestamps`, in order; a window with no
    /// row in it is left out.
    package static func rowRanges(_ timestamps: [Double], _ windows: [(start: Double, end: Double)]) -> [ClosedRange<
        Int
    >] {
        var ranges: [ClosedRange<Int>] = []
        for window in windows {
            guard let low = timestamps.firstIndex(where: { $0 >= window.start }),
                let high = timestamps.lastIndex(where: { $0 <= window.end }), low <= high
            else { continue }
            ranges.append(low...high)
        }
        return ranges.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// A result CSV's `anomaly_score` column, its `alert` column and its `page` column (where `alert`
    /// turns 1, in results written before there was one); empty without them.
    package static func readScores(_ path: String) throws(RecordingError) -> (
        scores: [Double], alerts: [Bool], pages: [Bool]
    ) {
        let lines = try RecordingReader.readLines(path)
        let names = lines.first?.split(separator: ",") ?? []
        guard let column = names.firstIndex(of: "anomaly_score") else {
            throw RecordingError(file: path, line: 1, problem: "no anomaly_score column")
        }
        let alertColumn = names.firstIndex(of: "alert")
        let pageColumn = names.firstIndex(of: "page")
        var scores: [Double] = []
        var alerts: [Bool] = []
        var pages: [Bool] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = resultFields(line)
            func flag(_ column: Int) throws(RecordingError) -> Bool {
                guard column < fields.count, fields[column] == "0" || fields[column] == "1" else {
                    throw RecordingError(file: path, line: index + 1, problem: "\(names[column]) is neither 0 nor 1")
                }
                return fields[column] == "1"
            }
            guard column < fields.count, let score = Double(fields[column]), score.isFinite else {
                throw RecordingError(file: path, line: index + 1, problem: "no anomaly score")
            }
            scores.append(score)
            if let alertColumn { alerts.append(try flag(alertColumn)) }
            if let pageColumn { pages.append(try flag(pageColumn)) }
        }
        return (scores, alerts, pageColumn == nil ? AlertEpisodes.onsets(ofOpen: alerts) : pages)
    }
}

/// The fields of one result row, where only a `series` field may be quoted.
private func resultFields(_ line: Substring) -> [Substring] {
    guard line.hasPrefix("\"") else { return line.split(separator: ",", omittingEmptySubsequences: false) }
    var index = line.index(after: line.startIndex)
    while index < line.endIndex {
        if line[index] == "\"" {
            let next = line.index(after: index)
            if next < line.endIndex && line[next] == "\"" {
                index = line.index(after: next)
                continue
            }
            let rest = line[next...].dropFirst()
            return [line[line.startIndex...index]] + rest.split(separator: ",", omittingEmptySubsequences: false)
        }
        index = line.index(after: index)
    }
    return [line]
}
