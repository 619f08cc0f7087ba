import ArgumentParser
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd silence add|list|expire`: the silences of a running daemon, through its HTTP.
struct SilenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Add, list and expire the silences of a running daemon.",
        discussion: """
            While a silence matches a series, the series does not learn (what it sees during maintenance \
            is not its normal), unless the silence's comment contains streamlstmd:keep-learning. The \
            daemon also follows the silences of the Alertmanagers it is configured with; those are \
            listed here and expired in Alertmanager.
            """,
        subcommands: [SilenceAddCommand.self, SilenceListCommand.self, SilenceExpireCommand.self]
    )
}
