import ArgumentParser
import Glibc
import StreamLSTMDaemon
import StreamLSTMTools

/// The `streamlstmd` command: the daemon and the tools that go with it.
@main
struct StreamLSTMD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamlstmd",
        abstract: "Watches metric streams for anomalies with a stateful LSTM per series.",
        version: BuildInfo.versionLine,
        subcommands: [
            RunCommand.self, DemoCommand.self, ReplayCommand.self, RecordCommand.self, EvaluateCommand.self,
            PublishCommand.self, AlertsCommand.self, FeedbackCommand.self, SilenceCommand.self,
            CheckConfigCommand.self, KeygenCommand.self,
            BenchCommand.self,
        ]
    )

    static func main() async {
        // `systemctl reload` may come as soon as the process exists, and SIGHUP's default action
        // ends a process: the daemon ignores it from its first instruction until the reload
        // handler takes it over.
        if CommandLine.arguments.dropFirst().first == "run" { signal(SIGHUP, SIG_IGN) }
        await main(nil)
    }
}
