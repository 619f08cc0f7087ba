import ArgumentParser
import Foundation
import Logging

/// `streamlstmd replay`: recordings through the live detection code, deterministically.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recordings through the daemon's detection, scoring, training and alerting.",
        discussion: """
            Inputs are `record` recordings, CSV files (timestamp,value with the file name as the series, \
            or series,timestamp,value; NAB's layout), NDJSON sample objects, or folders of them. Time is \
            simulated: the samples' own timestamps (a recording's receive times), as fast as possible \
            unless --speed is given. The same inputs and config give byte-identical output.
            """
    )

    @Argument(help: "Recordings, CSV or NDJSON files, or folders of them.")
    var inputs: [String]

    @Option(help: "YAML configuration file, as for `run`.")
    var config: String?

    @Option(help: "Write per input a CSV of timestamp,value,prediction,anomaly_score,alert,reason at its relative path here.")
    var output: String?

    @Option(help: "Draw an SVG per series here: value, prediction band, score, alerts, labelled windows.")
    var plot: String?

    @Option(help: "NAB windows.json: labelled windows for --plot, keyed by path relative to the replayed folder.")
    var labels: String?

    @Option(help: "Replay at this multiple of real time (default: as fast as possible).")
    var speed: Double?

    @Option(help: "Online learning: on or off.")
    var training: Switch?

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
        var config = try self.config.map { file in try DaemonConfig.load(file: file) } ?? DaemonConfig()
        if let training { config.engine.training = training == .on }
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
        let logger = Logger(label: "streamlstmd.replay")
        let files = ReplaySource.expand(inputs)
        guard !files.isEmpty else { throw ValidationError("no .csv, .ndjson, .jsonl or .rec files in \(inputs)") }
        let windows = try labels.map { path throws(RecordingError) in try LabelledWindows.load(path) }
        let plotter = plot.map { _ in PlotCollector(labels: windows ?? [:]) }
        let sink = try AlertSink(logPath: alertLog, endpoint: alerts, instance: config.engine.instance, logger: logger)
        let replayer = Replayer(config: config.engine, speed: speed, plot: plotter, logger: logger,
                                raise: { sink.take($0) })
        let bar = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        var summary = ReplaySummary()
        let start = DispatchTime.now().uptimeNanoseconds
        for (number, file) in files.enumerated() {
            summary.files += 1
            do {
                let source = try ReplaySource.read(path: file.path, relativePath: file.relativePath,
                                                   recordedInput: config.inputs.first ?? InputConfig(mode: .listen, endpoints: []))
                let writer = try output.map {
                    try ResultWriter(url: ResultWriter.resultURL(output: URL(fileURLWithPath: $0),
                                                                 relativePath: file.relativePath),
                                     manySeries: source.manySeries)
                }
                try replayer.replay(source, writer: writer) { fraction in
                    bar.show(file: file.relativePath, number: number + 1, of: files.count, fraction: fraction)
                }
                try writer?.close()
            } catch {
                bar.clear()
                summary.failedFiles += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        bar.clear()
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let counts = replayer.counts
        summary.samples = counts.samples
        summary.rejected = counts.totalRejected
        summary.firing = counts.alertsFiring
        summary.incidents = counts.incidents
        summary.resolved = counts.alertsResolved
        summary.series = replayer.seriesCount
        sink.finish()
        if let plot, let plotter {
            let written = try plotter.write(to: URL(fileURLWithPath: plot), threshold: config.engine.alerts.fireThreshold)
            FileHandle.standardError.write(Data("plotted \(written.count) series in \(plot)\n".utf8))
        }
        FileHandle.standardError.write(Data((summary.line + "\n").utf8))
        if summary.failedFiles > 0 { throw ExitCode(1) }
    }
}

/// Where replay's alerts go: a JSON-lines file and/or a PUB socket.
final class AlertSink: @unchecked Sendable {
    // @unchecked: used by the replaying thread only.
    private let log: FileHandle?
    private let publisher: AlertPublisher?
    private let context: ZMQContext?
    private let instance: String
    private var sequence = 0

    init(logPath: String?, endpoint: String?, instance: String, logger: Logger) throws {
        self.instance = instance
        if logPath == "-" {
            log = FileHandle.standardOutput
        } else if let logPath {
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
                throw ValidationError("cannot create \(logPath)")
            }
            log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        } else {
            log = nil
        }
        if let endpoint {
            let context = try ZMQContext()
            self.context = context
            publisher = try AlertPublisher(context: context, endpoint: endpoint, instance: instance, logger: logger)
            logger.notice("alerts on \(publisher!.endpoint)")
        } else {
            context = nil
            publisher = nil
        }
    }

    func take(_ alert: Alert) {
        sequence += 1
        log?.write(Data((alert.json(sequence: sequence, instance: instance) + "\n").utf8))
        publisher?.publish(alert)
    }

    func finish() {
        publisher?.stop()
        try? log?.synchronize()
    }
}

/// A one-line progress bar on standard error, for people watching a terminal.
final class ProgressBar {
    private let enabled: Bool
    private var last = -1

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func show(file: String, number: Int, of total: Int, fraction: Double) {
        guard enabled else { return }
        let percent = Int(fraction * 100)
        guard percent != last else { return }
        last = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        let line = "\r[\(bar)] \(percent)% \(number)/\(total) \(file)"
        FileHandle.standardError.write(Data((line.prefix(120) + "\u{1B}[K").utf8))
    }

    func clear() {
        guard enabled, last >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        last = -1
    }
}
