import ArgumentParser
import Foundation

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

    func validate() throws {
        guard !connect.isEmpty || !bind.isEmpty else { throw ValidationError("give --connect or --bind") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        guard FileManager.default.createFile(atPath: output, contents: nil) else {
            throw ValidationError("cannot create \(output)")
        }
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try file.write(contentsOf: Data((StreamRecording.header + "\n").utf8))
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .subscriber)
        try socket.set(.receiveHighWaterMark(100_000))
        for prefix in subscriptions.isEmpty ? [""] : subscriptions {
            try socket.set(.subscribe(prefix: Array(prefix.utf8)))
        }
        for endpoint in bind {
            try socket.bind(endpoint)
            FileHandle.standardError.write(Data("recording from \(try socket.lastEndpoint())\n".utf8))
        }
        for endpoint in connect {
            _ = try socket.connectAndWaitForHandshake(endpoint, timeout: 10)
            FileHandle.standardError.write(Data("recording from \(endpoint)\n".utf8))
        }
        let signals = stopOnSignals(context)
        defer { signals.forEach { $0.cancel() } }
        var recorded = 0, bytes = 0
        while count.map({ recorded < $0 }) ?? true {
            let frames: [[UInt8]]
            do throws(ZMQError) {
                guard let next = try socket.receive() else { continue }
                frames = next
            } catch {
                if error.isTerminated { break }
                throw error
            }
            let line = StreamRecording.line(for: RecordedMessage(received: Date().timeIntervalSince1970,
                                                                 frames: frames))
            // One write per message, straight to the kernel: nothing waits in a buffer of ours.
            try file.write(contentsOf: Data(line.utf8))
            recorded += 1
            bytes += frames.reduce(0) { $0 + $1.count }
        }
        socket.close()
        try file.synchronize()
        try file.close()
        FileHandle.standardError.write(Data("recorded \(recorded) messages (\(bytes) bytes of frames) to \(output)\n".utf8))
    }
}
