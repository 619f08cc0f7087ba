import Foundation
import Logging
import StreamLSTMDaemon

/// One `replay`: every file through one `Replayer` in order, results and
/// plots written, alerts sent to their sink; a file that fails is named on
/// standard error and counted, and the others go on.
package struct ReplayRun {
    /// The other settings start off (no output, no plot, as fast as possible, no alerts, no bar).
    package init(config: DaemonConfig, files: [(path: String, relativePath: String)]) {
        self.config = config
        self.files = files
    }

    package let config: DaemonConfig
    package let files: [(path: String, relativePath: String)]
    /// Folder for result CSVs, at each input's relative path.
    package var output: String? = nil
    /// Folder for SVG plots.
    package var plot: String? = nil
    /// NAB windows.json for the plots.
    package var labels: String? = nil
    /// NAB windows.json for a simulated user over the first half of each file (`SimulatedUser`).
    package var simulatedUser: String? = nil
    package var speed: Double? = nil
    package var alertsEndpoint: String? = nil
    package var alertLog: String? = nil
    /// A progress bar on standard error.
    package var progress = false

    package func run(logger: Logger) throws -> ReplaySummary {
        let windows = try labels.map { path throws(RecordingError) in try LabelledWindows.load(path) }
        let userWindows = try simulatedUser.map { path throws(RecordingError) in try LabelledWindows.load(path) }
        let plotter = plot.map { _ in PlotCollector(labels: windows ?? [:]) }
        let sink = try ReplayAlertSink(
            logPath: alertLog, endpoint: alertsEndpoint, instance: config.engine.instance,
            logger: logger)
        let replayer = Replayer(
            config: config.engine, speed: speed, plot: plotter, logger: logger, alerts: sink)
        let bar = ProgressBar(enabled: progress)
        var summary = ReplaySummary()
        let start = DispatchTime.now().uptimeNanoseconds
        for (number, file) in files.enumerated() {
            summary.files += 1
            do {
                let source = try ReplaySource.read(
                    path: file.path, relativePath: file.relativePath,
                    recordedInput: config.inputs.first ?? InputConfig(mode: .listen, endpoints: []))
                let writer = try output.map {
                    try ResultWriter(
                        url: ResultWriter.resultURL(
                            output: URL(fileURLWithPath: $0),
                            relativePath: file.relativePath),
                        manySeries: source.manySeries)
                }
                let user = userWindows.map {
                    SimulatedUser(windows: $0[file.relativePath] ?? [], rows: source.rowCount)
                }
                try replayer.replay(source, writer: writer, user: user) { fraction in
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
        if simulatedUser != nil { summary.verdicts = (replayer.userCounts, replayer.refusedVerdicts) }
        sink.finish()
        if let plot, let plotter {
            let written = try plotter.write(
                to: URL(fileURLWithPath: plot), threshold: config.engine.alerts.fireThreshold)
            FileHandle.standardError.write(Data("plotted \(written.count) series in \(plot)\n".utf8))
        }
        return summary
    }
}
