import Foundation
import StreamLSTM
import StreamLSTMDaemon

/// What replay keeps of each series for `--plot`: every row's value,
/// prediction, band, score and alert state, and the labelled windows.
package final class PlotCollector {
    package struct Series {
        package var key: String
        /// Folder of the input it came from, relative to the replayed folder: plots mirror it.
        package var folder: String
        package var times: [Double] = []
        package var values: [Double] = []
        /// NaN where nothing was predicted.
        package var predicted: [Double] = []
        package var lower: [Double] = []
        package var upper: [Double] = []
        package var scores: [Double] = []
        package var firing: [Bool] = []
        /// Labelled anomaly windows, unix seconds.
        package var windows: [(start: Double, end: Double)] = []
    }

    package private(set) var series: [Series] = []
    private var index: [String: Int] = [:]
    /// Labelled windows by input path relative to the data folder (NAB's `windows.json`).
    private let labels: LabelledWindows.Windows
    private var source = ""

    package init(labels: LabelledWindows.Windows) {
        self.labels = labels
    }

    /// Rows that follow belong to this input.
    package func begin(relativePath: String) {
        source = relativePath
    }

    package func add(_ row: ReplayRow, result: StepResult?, firing: Bool) {
        let key = row.sample.key
        let position: Int
        if let known = index[key] {
            position = known
        } else {
            position = series.count
            index[key] = position
            series.append(
                Series(
                    key: key, folder: (source as NSString).deletingLastPathComponent,
                    windows: labels[source] ?? []))
        }
        series[position].times.append(row.sample.timestamp)
        series[position].values.append(row.sample.value)
        series[position].predicted.append(result?.predicted ?? .nan)
        series[position].lower.append(result.map(\.lower) ?? .nan)
        series[position].upper.append(result.map(\.upper) ?? .nan)
        series[position].scores.append(result?.anomaly.score ?? 0)
        series[position].firing.append(firing)
    }

    /// Writes one SVG per series under `folder`; returns the files written.
    package func write(to folder: URL, threshold: Double) throws -> [URL] {
        var written: [URL] = []
        for series in series {
            let name = String(series.key.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
            let url = folder.appendingPathComponent(series.folder).appendingPathComponent(name + ".svg")
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true)
            try SeriesPlot(series: series, threshold: threshold).svg.write(to: url, atomically: true, encoding: .utf8)
            written.append(url)
        }
        return written
    }
}
