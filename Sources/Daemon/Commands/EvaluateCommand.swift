import ArgumentParser
import Foundation
import Logging
import StreamLSTMDaemon
import StreamLSTMTools
import StreamLSTMVocabulary

/// `streamlstmd evaluate`: NAB scores of replay results.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score replay results, or recordings, with the Numenta Anomaly Benchmark's rules.",
        discussion: """
            Reads every CSV under --data, its labelled windows from --labels (NAB's windows.json) and the \
            replay result at the same relative path under --results (`replay --output`). Or, given \
            RECORDINGS (`record` files, CSV or NDJSON), replays them with --config and scores every \
            series in them against the windows labelled for its key: `evaluate --labels \
            STATE/feedback.json RECORDING` scores the detector on a user's own data against their own \
            verdicts. Prints the NAB score for each profile at the threshold that maximises it and at the \
            daemon's default threshold, per category and in total, and event-level precision, recall and \
            F1; --sweep prints the standard score at every threshold from 0.30 to 0.95.
            """
    )

    @Argument(help: "Recordings to replay and score (instead of --data and --results).")
    var recordings: [String] = []

    @Option(help: "Folder of data files (NAB's data/).")
    var data: String?

    @Option(help: "Labelled windows (NAB's labels/windows.json, or a daemon's feedback.json).")
    var labels: String

    @Option(help: "Folder of results written by `replay --output`.")
    var results: String?

    @Option(help: "YAML configuration for replaying RECORDINGS, as for `run`.")
    var config: String?

    @Flag(help: "Print the scores at every fire threshold from 0.30 to 0.95, the best and the default marked.")
    var sweep = false

    @Option(help: "The threshold a user gets without tuning (the default is the daemon's alert threshold).")
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
        if recordings.isEmpty && (data == nil || results == nil) {
            throw ValidationError("give --data and --results, or recordings to replay")
        }
        if !recordings.isEmpty && (data != nil || results != nil) {
            throw ValidationError("recordings are replayed here: --data and --results are for results of `replay`")
        }
    }

    func run() throws {
        let corpus: LabelledCorpus
        if let data, let results {
            let dataFiles = ReplaySource.expand([data]).filter { $0.relativePath.lowercased().hasSuffix(".csv") }
            guard !dataFiles.isEmpty else { throw ValidationError("no CSV files under \(data)") }
            corpus = try LabelledCorpus.load(dataFiles, labels: labels, results: results)
        } else {
            var config = try self.config.map(ConfigRefusal.load) ?? DaemonConfig()
            config.logLevel = .error
            corpus = try RecordingEvaluation.corpus(
                recordings: recordings, labels: labels, config: config, logger: Logger(label: "streamlstmd.evaluate"))
        }
        for error in corpus.errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
        let files = secondHalf ? corpus.files.map { ($0.category, $0.file.secondHalf) } : corpus.files
        let report = NABReport(files: files, defaultThreshold: threshold)
        if sweep {
            print(report.sweep, terminator: "")
        } else if let alertRows {
            print(report.alertRows(corpus: alertRows), terminator: "")
        } else {
            print(rows.map(report.rows) ?? report.text, terminator: "")
        }
        if !corpus.errors.isEmpty { throw ExitCode(1) }
    }
}
