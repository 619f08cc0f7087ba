import Logging

@testable import Daemon

/// A log handler that keeps every line in memory, for tests that check what was logged (and how often).
struct RecordingLogHandler: LogHandler {
    /// The lines logged through every handler made from one `lines`.
    final class Lines: Sendable {
        private let entries = Protected<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

        var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { entries.withLock { $0 } }

        func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
            entries.withLock { $0.append((level, message, metadata)) }
        }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.append(event.level, "\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })
    }

    /// A logger whose lines land in a new `Lines`.
    static func logger() -> (Logger, Lines) {
        let lines = Lines()
        return (Logger(label: "test") { _ in RecordingLogHandler(lines: lines) }, lines)
    }
}
