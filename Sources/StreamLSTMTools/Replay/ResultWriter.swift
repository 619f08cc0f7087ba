import Foundation
import StreamLSTM
import StreamLSTMDaemon

/// Writes one replayed input's results: a CSV row per input row, in input
/// order (NAB matches results to data by position), with
/// `timestamp,value,prediction,anomaly_score,alert,reason,page`, and `series`
/// first when the input holds more than one series. `alert` is 1 while an
/// alert is open; `page` is 1 where one fired (a new incident, also inside an
/// alert that was open).
package final class ResultWriter {
    package let url: URL
    private let handle: FileHandle
    private let manySeries: Bool
    private var buffer = ""

    package init(url: URL, manySeries: Bool) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        self.url = url
        handle = try FileHandle(forWritingTo: url)
        self.manySeries = manySeries
        buffer = (manySeries ? "series," : "") + "timestamp,value,prediction,anomaly_score,alert,reason,page\n"
    }

    /// `result` nil: the sample was rejected (a non-finite value); its row says so with an empty prediction.
    package func write(_ row: ReplayRow, result: StepResult?, firing: Bool, paged: Bool) throws {
        if manySeries { buffer += Self.csvField(row.sample.key) + "," }
        buffer += Self.csvField(row.timestampText)
        buffer += ",\(row.sample.value),"
        if let predicted = result?.predicted { buffer += "\(predicted)" }
        buffer += ",\(result?.anomaly.score ?? 0),\(firing ? 1 : 0),\(result?.anomaly.reason.name ?? "rejected")"
        buffer += paged ? ",1\n" : ",0\n"
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    package func close() throws {
        try flush()
        try handle.close()
    }

    private func flush() throws {
        try handle.write(contentsOf: Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Quotes a field only when CSV needs it (a comma, quote or line break in it).
    package static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Where an input's results go under the output folder: its relative path, as `.csv`.
    package static func resultURL(output: URL, relativePath: String) -> URL {
        let relative = URL(fileURLWithPath: relativePath, relativeTo: URL(fileURLWithPath: "/"))
        let name = relative.deletingPathExtension().lastPathComponent + ".csv"
        let folder = (relativePath as NSString).deletingLastPathComponent
        return output.appendingPathComponent(folder).appendingPathComponent(name)
    }
}
