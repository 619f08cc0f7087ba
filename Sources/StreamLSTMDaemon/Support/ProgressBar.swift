import Foundation

/// A one-line progress bar on standard error, for people watching a terminal.
package final class ProgressBar {
    private let enabled: Bool
    private var last = -1

    package init(enabled: Bool) {
        self.enabled = enabled
    }

    package func show(file: String, number: Int, of total: Int, fraction: Double) {
        guard enabled else { return }
        let percent = Int(fraction * 100)
        guard percent != last else { return }
        last = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        let line = "\r[\(bar)] \(percent)% \(number)/\(total) \(file)"
        FileHandle.standardError.write(Data((line.prefix(120) + "\u{1B}[K").utf8))
    }

    package func clear() {
        guard enabled, last >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        last = -1
    }
}
