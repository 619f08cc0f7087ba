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

    @Option(
        help:
            "Print tab-separated rows (per category and in total, per profile) named by this corpus name instead of the report."
    )
    var rows: String?

    @Option(
        help:
            "Print tab-separated rows scored at the daemon's own pages (the result's page column), named by this corpus name."
    )
    var alertRows: String?

    @Flag(
        help:
            "Score only the second half of each file (windows cut at the middle, no probation): the half a `replay --simulated-user` user did not speak in."
    )
    var secondHalf = false

    func validate() throws {
        guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must lie in (0, 1]") }
    }

    func run() throws {
        let dataFiles = ReplaySource.expand([data]).filter { $0.relativePath.lowercased().hasSuffix(".csv") }
        guard !dataFiles.isEmpty else { throw ValidationError("no CSV files under \(data)") }
        let corpus = try LabelledCorpus.load(dataFiles, labels: labels, results: results)
        for error in corpus.errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
        let files = secondHalf ? corpus.files.map { ($0.category, $0.file.secondHalf) } : corpus.files
        let report = NABReport(files: files, defaultThreshold: threshold)
        if let alertRows {
            print(report.alertRows(corpus: alertRows), terminator: "")
        } else {
            print(rows.map(report.rows) ?? report.text, terminator: "")
        }
        if !corpus.errors.isEmpty { throw ExitCode(1) }
    }
}
