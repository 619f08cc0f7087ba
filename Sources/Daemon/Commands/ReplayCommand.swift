import ArgumentParser
import Foundation
import Logging
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd replay`: recordings through the live detection code, deterministically.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recordings through the daemon's detection, scoring, training and alerting.",
        discussion: """
            Inputs are `record` recordings, CSV files (timestamp,value with the file name as the series, \
            or series,timestamp,value; NAB's layout), NDJSON sample objects, or folders of them. Time is \
            simulated: the samples' own timestamps (a recording's receive times), as fast as possible \
            unless --speed is given. The same inputs and config give byte-identical output. Training \
            jobs are adopted before the next sample: a recording of a daemon that ran with --training off \
            replays to the alerts it gave, field for field; one that trained adopted its jobs whenever \
            they finished, and its alerts can differ from the replay's after its first adoption.
            """
    )

    @Argument(help: "Recordings, CSV or NDJSON files, or folders of them.")
    var inputs: [String]

    @Option(help: "YAML configuration file, as for `run`.")
    var config: String?

    @Option(
        help:
            "Write per input a CSV of timestamp,value,prediction,anomaly_score,alert,reason at its relative path here.")
    var output: String?

    @Option(help: "Draw an SVG per series here: value, prediction band, score, alerts, labelled windows.")
    var plot: String?

    @Option(help: "NAB windows.json: labelled windows for --plot, keyed by path relative to the replayed folder.")
    var labels: String?

    @Option(
        help: """
            NAB windows.json: a simulated user gives verdicts over the first half of each file (an alert \
            outside every window marked normal 12 samples after it starts, one inside confirmed, a window \
            without an alert marked anomaly at its end), through the same code as POST /feedback.
            """)
    var simulatedUser: String?

    @Option(help: "Replay at this multiple of real time (default: as fast as possible).")
    var speed: Double?

    @Option(help: "Online learning: on or off.")
    var training: Switch?

    @Option(help: "Absent alerts for series that stop reporting, on the recording's clock: on or off.")
    var absent: Switch?

    @Option(help: "Publish alerts on a PUB socket bound here, as the daemon does.")
    var alerts: String?

    @Option(help: "Write every alert's JSON payload, one per line, to this file (- for standard output).")
    var alertLog: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        if let speed, !(speed > 0) { throw ValidationError("--speed must be > 0") }
        if labels != nil && plot == nil { throw ValidationError("--labels is for --plot") }
    }

    func effectiveConfig() throws -> DaemonConfig {
        var config = try self.config.map(ConfigRefusal.load) ?? DaemonConfig()
        if let training { config.engine.training = training == .on }
        if let absent { config.engine.absence.enabled = absent == .on }
        if let problem = config.problem { throw ValidationError(problem.description) }
        return config
    }

    func run() throws {
        let config = try effectiveConfig()
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let files = ReplaySource.expand(inputs)
        guard !files.isEmpty else { throw ValidationError("no .csv, .ndjson, .jsonl or .rec files in \(inputs)") }
        let run = ReplayRun(
            config: config, files: files, output: output, plot: plot, labels: labels, simulatedUser: simulatedUser,
            speed: speed, alertsEndpoint: alerts, alertLog: alertLog, progress: !quiet && isatty(STDERR_FILENO) == 1)
        let summary = try run.run(logger: Logger(label: "streamlstmd.replay"))
        FileHandle.standardError.write(Data((summary.line + "\n").utf8))
        if summary.failedFiles > 0 { throw ExitCode(1) }
    }
}
