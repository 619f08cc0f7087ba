import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd record`: capture a live stream for replay.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Capture a live ZeroMQ metric stream, every frame with its receive time, for `replay`.",
        discussion: """
            Connects a SUB socket to a producer's PUB (or binds one with --bind) and writes each message \
            as it arrives, one JSON line per message, until SIGINT or SIGTERM: a crash loses at most the \
            message being written.
            """
    )

    @Option(help: "Connect to a producer's PUB socket here; repeatable.")
    var connect: [String] = []

    @Option(help: "Bind a SUB socket here (producers connect to it); repeatable.")
    var bind: [String] = []

    @Option(name: .customLong("subscribe"), help: "Topic prefix to record; repeatable (default: everything).")
    var subscriptions: [String] = []

    @Option(help: "The recording to write (replaced if it exists).")
    var output: String

    @Option(help: "Stop after this many messages (default: until interrupted).")
    var count: Int?

    @OptionGroup var curve: CurveClientOptions

    func validate() throws {
        guard !connect.isEmpty || !bind.isEmpty else { throw ValidationError("give --connect or --bind") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let recorder = try StreamRecorder(
            output: output, connect: connect, bind: bind,
            subscriptions: subscriptions.isEmpty ? [""] : subscriptions,
            curve: try curve.keys())
        for endpoint in recorder.endpoints {
            FileHandle.standardError.write(Data("recording from \(endpoint)\n".utf8))
        }
        let signals = stopOnSignals(recorder.context)
        defer { for signal in signals { signal.cancel() } }
        let (messages, bytes) = try recorder.record(count: count)
        FileHandle.standardError.write(
            Data("recorded \(counted(messages, "message")) (\(bytes) bytes of frames) to \(output)\n".utf8))
    }
}
