import Logging
import StreamLSTMDaemon

/// A log handler that keeps every line in memory, for tests that check what was logged (and how often).
package struct RecordingLogHandler: LogHandler {
    /// The lines logged through every handler made from one `lines`.
    package final class Lines: Sendable {
        private let entries = Protected<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

        package var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { entries.withLock { $0 } }

        package func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
            entries.withLock { $0.append((level, message, metadata)) }
        }
    }

    package let lines: Lines
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        lines.append(event.level, "\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })
    }

    /// A logger whose lines land in a new `Lines`.
    package static func logger() -> (Logger, Lines) {
        let lines = Lines()
        return (Logger(label: "test") { _ in RecordingLogHandler(lines: lines) }, lines)
    }
}
