import Foundation
import StreamLSTMDaemon

/// NAB's `labels/windows.json`: for each data file (by its path relative to
/// the data folder) the anomaly windows, as `[start, end]` timestamps.
package enum LabelledWindows {
    package typealias Windows = [String: [(start: Double, end: Double)]]

    package static func load(_ path: String) throws(RecordingError) -> Windows {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RecordingError(file: path, line: nil, problem: "cannot read: \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RecordingError(file: path, line: nil, problem: "not a JSON object of file -> [[start, end], ...]")
        }
        var windows: Windows = [:]
        for (file, value) in object {
            guard let pairs = value as? [[String]] else {
                throw RecordingError(file: path, line: nil, problem: "\(file): windows are not [[start, end], ...]")
            }
            var parsed: [(start: Double, end: Double)] = []
            for pair in pairs {
                guard pair.count == 2, let start = RecordingReader.parseTimestamp(pair[0]),
                    let end = RecordingReader.parseTimestamp(pair[1]), start <= end
                else {
                    throw RecordingError(file: path, line: nil, problem: "\(file): bad window \(pair)")
                }
                parsed.append((start, end))
            }
            windows[file] = parsed
        }
        return windows
    }
}
