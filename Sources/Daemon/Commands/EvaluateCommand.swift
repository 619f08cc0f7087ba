import ArgumentParser
import Foundation

/// `streamlstmd evaluate`: NAB scores of replay results.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score replay results with the Numenta Anomaly Benchmark's rules.",
        discussion: """
            Reads every CSV under --data, its labelled windows from --labels (NAB's windows.json) and the \
            replay result at the same relative path under --results (`replay --output`). Prints the NAB \
            score for each profile at the threshold that maximises it and at the daemon's default \
            threshold, per category and in total, and event-level precision, recall and F1.
            """
    )

    @Option(help: "Folder of data files (NAB's data/).")
    var data: String

    @Option(help: "Labelled windows (NAB's labels/windows.json).")
    var labels: String

    @Option(help: "Folder of results written by `replay --output`.")
    var results: String

    @Option(help: "The threshold a user gets without tuning (default: the daemon's alert threshold).")
    var threshold: Double = AlertRules().fireThreshold

    @Option(help: "Print tab-separated rows (per category and in total, per profile) named by this corpus name instead of the report.")
    var rows: String?

    func validate() throws {
        guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must lie in (0, 1]") }
    }

    func run() throws {
        let windows = try LabelledWindows.load(labels)
        let dataFiles = ReplaySource.expand([data]).filter { $0.relativePath.lowercased().hasSuffix(".csv") }
        guard !dataFiles.isEmpty else { throw ValidationError("no CSV files under \(data)") }
        var files: [(category: String, file: NABFile)] = []
        var failures = 0
        for entry in dataFiles {
            do {
                files.append((Self.category(of: entry.relativePath),
                              try Self.load(entry, results: results, windows: windows[entry.relativePath] ?? [])))
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        let report = NABReport(files: files, defaultThreshold: threshold)
        print(rows.map(report.rows) ?? report.text, terminator: "")
        if failures > 0 { throw ExitCode(1) }
    }

    static func category(of relativePath: String) -> String {
        let folder = (relativePath as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// A data file's rows and windows, with the scores of its result file.
    static func load(_ entry: (path: String, relativePath: String), results: String,
                     windows: [(start: Double, end: Double)]) throws(RecordingError) -> NABFile {
        let rows = try RecordingReader.read(URL(fileURLWithPath: entry.path))
        let resultURL = ResultWriter.resultURL(output: URL(fileURLWithPath: results), relativePath: entry.relativePath)
        let scores = try readScores(resultURL.path)
        guard scores.count == rows.count else {
            throw RecordingError(file: resultURL.path, line: nil,
                                 problem: "\(scores.count) result rows for \(rows.count) data rows in \(entry.path)")
        }
        var ranges: [ClosedRange<Int>] = []
        for window in windows {
            guard let low = rows.firstIndex(where: { $0.timestamp >= window.start }),
                  let high = rows.lastIndex(where: { $0.timestamp <= window.end }), low <= high else { continue }
            ranges.append(low...high)
        }
        return NABFile(name: entry.relativePath, scores: scores, windows: ranges.sorted { $0.lowerBound < $1.lowerBound })
    }

    /// The `anomaly_score` column of a result CSV.
    static func readScores(_ path: String) throws(RecordingError) -> [Double] {
        let lines = try RecordingReader.readLines(path)
        guard let header = lines.first,
              let column = header.split(separator: ",").firstIndex(where: { $0 == "anomaly_score" }) else {
            throw RecordingError(file: path, line: 1, problem: "no anomaly_score column")
        }
        var scores: [Double] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = resultFields(line)
            guard column < fields.count, let score = Double(fields[column]), score.isFinite else {
                throw RecordingError(file: path, line: index + 1, problem: "no anomaly score")
            }
            scores.append(score)
        }
        return scores
    }
}

/// The fields of one result row, where only a `series` field may be quoted.
private func resultFields(_ line: Substring) -> [Substring] {
    guard line.hasPrefix("\"") else { return line.split(separator: ",", omittingEmptySubsequences: false) }
    var index = line.index(after: line.startIndex)
    while index < line.endIndex {
        if line[index] == "\"" {
            let next = line.index(after: index)
            if next < line.endIndex && line[next] == "\"" { index = line.index(after: next); continue }
            let rest = line[next...].dropFirst()
            return [line[line.startIndex...index]] + rest.split(separator: ",", omittingEmptySubsequences: false)
        }
        index = line.index(after: index)
    }
    return [line]
}

/// The printed evaluation.
struct NABReport {
    let files: [(category: String, file: NABFile)]
    let defaultThreshold: Double

    var text: String {
        let all = files.map(\.file)
        let windowCount = all.reduce(0) { $0 + $1.windows.count }
        var out = "NAB scores of \(all.count) files with \(windowCount) labelled windows\n\n"
        out += pad("profile", 22) + pad("optimised", 12) + pad("threshold", 12) + pad("default \(short(defaultThreshold))", 14) + "\n"
        var optimised: [String: Double] = [:]
        for profile in NABProfile.all {
            let best = NABScorer.optimise(all, profile: profile)
            optimised[profile.name] = best.threshold
            let atBest = total(all, threshold: best.threshold, profile: profile)
            let atDefault = total(all, threshold: defaultThreshold, profile: profile)
            out += pad(profile.name, 22) + pad(score(atBest.normalised(profile)), 12) + pad(short(best.threshold), 12)
                + pad(score(atDefault.normalised(profile)), 14) + "\n"
        }
        let standard = NABProfile.standard
        let best = optimised[standard.name] ?? defaultThreshold
        out += "\nstandard profile by category (optimised threshold \(short(best)) | default \(short(defaultThreshold)))\n"
        out += pad("category", 24) + pad("files", 7) + pad("windows", 9) + pad("score", 8) + pad("found", 7)
            + pad("FP", 6) + "| " + pad("score", 8) + pad("found", 7) + pad("FP", 6) + "\n"
        for (category, members) in categories {
            let a = total(members, threshold: best, profile: standard)
            let b = total(members, threshold: defaultThreshold, profile: standard)
            out += pad(category, 24) + pad("\(members.count)", 7) + pad("\(a.windows)", 9)
                + pad(score(a.normalised(standard)), 8) + pad("\(a.detectedWindows)", 7) + pad("\(a.falsePositives)", 6)
                + "| " + pad(score(b.normalised(standard)), 8) + pad("\(b.detectedWindows)", 7)
                + pad("\(b.falsePositives)", 6) + "\n"
        }
        out += "\nevent level, no point adjustment (a run of detections is one alarm)\n"
        out += pad("threshold", 22) + pad("alarms", 8) + pad("true", 6) + pad("windows", 9) + pad("found", 7)
            + pad("precision", 11) + pad("recall", 8) + pad("F1", 6) + "\n"
        for (name, threshold) in [("optimised " + short(best), best), ("default " + short(defaultThreshold), defaultThreshold)] {
            let events = all.reduce(EventCounts()) { $0 + EventCounts($1, threshold: threshold) }
            out += pad(name, 22) + pad("\(events.alarms)", 8) + pad("\(events.trueAlarms)", 6)
                + pad("\(events.windows)", 9) + pad("\(events.foundWindows)", 7)
                + pad(String(format: "%.3f", events.precision), 11) + pad(String(format: "%.3f", events.recall), 8)
                + String(format: "%.3f", events.f1) + "\n"
        }
        return out
    }

    static let rowHeader = ["corpus", "category", "profile", "files", "windows", "optimised", "threshold", "default",
                            "found", "FP", "precision", "recall", "F1"].joined(separator: "\t")

    /// Tab-separated rows of `rowHeader`: for each profile, the corpus in
    /// total ("all") and each category, scored at the corpus' optimised
    /// threshold and at the default one (found windows, false positives and
    /// event-level precision, recall and F1 at the default).
    func rows(corpus: String) -> String {
        let all = files.map(\.file)
        var out = ""
        for profile in NABProfile.all {
            let best = NABScorer.optimise(all, profile: profile).threshold
            for (name, members) in [("all", all)] + categories {
                let atBest = total(members, threshold: best, profile: profile)
                let atDefault = total(members, threshold: defaultThreshold, profile: profile)
                let events = members.reduce(EventCounts()) { $0 + EventCounts($1, threshold: defaultThreshold) }
                let fields = [corpus, name, profile.name, "\(members.count)", "\(atDefault.windows)",
                              score(atBest.normalised(profile)), short(best), score(atDefault.normalised(profile)),
                              "\(atDefault.detectedWindows)", "\(atDefault.falsePositives)",
                              events.alarms > 0 ? String(format: "%.3f", events.precision) : "-",
                              events.windows > 0 ? String(format: "%.3f", events.recall) : "-",
                              events.alarms > 0 && events.windows > 0 ? String(format: "%.3f", events.f1) : "-"]
                out += fields.joined(separator: "\t") + "\n"
            }
        }
        return out
    }

    /// The files of each category, categories in name order.
    private var categories: [(name: String, files: [NABFile])] {
        Array(Set(files.map(\.category))).sorted().map { category in
            (category, files.filter { $0.category == category }.map(\.file))
        }
    }

    private func total(_ files: [NABFile], threshold: Double, profile: NABProfile) -> NABTally {
        files.reduce(NABTally()) { $0 + NABScorer.score($1, threshold: threshold, profile: profile) }
    }

    private func score(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
    private func short(_ value: Double) -> String { value.isFinite ? String(format: "%.4g", value) : "none" }
    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
