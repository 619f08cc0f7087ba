import Logging
import Synchronization

/// The daemon's log level, which a reload may change for every logger at once.
package final class LogLevelSwitch: Sendable {
    private let raw: Atomic<UInt8>

    package init(_ level: Logger.Level) {
        raw = Atomic(Self.code(level))
    }

    package var level: Logger.Level { Logger.Level.allCases[Int(raw.load(ordering: .relaxed))] }

    package func set(_ level: Logger.Level) {
        raw.store(Self.code(level), ordering: .relaxed)
    }

    private static func code(_ level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level)!)
    }
}

/// Standard error output (journald takes it under systemd) at the level the switch says now, its
/// metadata in logfmt (`Logfmt`).
package struct ReloadableLogHandler: LogHandler {
    private var inner: StreamLogHandler
    package let levels: LogLevelSwitch

    package init(label: String, levels: LogLevelSwitch) {
        inner = StreamLogHandler.standardError(label: label)
        self.levels = levels
    }

    package func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata.map(Logfmt.metadata)
        inner.log(event: event)
    }

    package var logLevel: Logger.Level {
        get { levels.level }
        set { levels.set(newValue) }
    }

    package var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    package var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = Logfmt.metadata(newValue) }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set {
            guard let newValue else {
                inner[metadataKey: key] = nil
                return
            }
            for (name, value) in Logfmt.metadata([key: newValue]) { inner[metadataKey: name] = value }
        }
    }
}
