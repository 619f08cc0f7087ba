import Foundation
import StreamLSTMDaemon

/// A status line on standard error that rewrites itself on a terminal.
package final class DemoStatusLine: Sendable {
    private let last = Protected(Date.distantPast)
    private static let terminal = isatty(STDERR_FILENO) != 0
    private let previous = Protected((Date(), 0))

    package func show(_ stats: EngineStats, alerts: Int) {
        let now = Date()
        let due = last.withLock { shownAt -> Bool in
            guard now.timeIntervalSince(shownAt) >= 0.5 else { return false }
            shownAt = now
            return true
        }
        guard Self.terminal, due else { return }
        let samples = stats.snapshot.samples
        let rate = previous.withLock { old in
            defer { old = (now, samples) }
            return Double(samples - old.1) / max(now.timeIntervalSince(old.0), 1e-3)
        }
        let text = String(
            format: "\r%8.0f samples/s  %d series  %d alerts ", rate,
            stats.series.load(ordering: .relaxed), alerts)
        FileHandle.standardError.write(Data(text.utf8))
    }

    package func clear() {
        if Self.terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    package static func printAbove(_ line: String) {
        let prefix = terminal ? "\r\u{1B}[K" : ""
        FileHandle.standardOutput.write(Data((prefix + line + "\n").utf8))
    }
}
