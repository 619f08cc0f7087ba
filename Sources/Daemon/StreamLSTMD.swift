import ArgumentParser

/// The `streamlstmd` command: the daemon and the tools that go with it.
@main
struct StreamLSTMD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamlstmd",
        abstract: "Watches metric streams for anomalies with a stateful LSTM per series.",
        version: BuildInfo.versionLine,
        subcommands: [RunCommand.self, DemoCommand.self, ReplayCommand.self, RecordCommand.self, EvaluateCommand.self,
                      PublishCommand.self, AlertsCommand.self, CheckConfigCommand.self, BenchCommand.self]
    )
}
