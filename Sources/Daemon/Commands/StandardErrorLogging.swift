import Logging

/// Log lines at `level` and above on standard error, for the commands that run the daemon's parts
/// inside their own process (`replay`, `demo`); `run` logs through its own reloadable handler.
func logToStandardError(at level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
