import Foundation
import StreamLSTMDaemon
import ZeroMQ

/// Captures a live stream for `replay`: a SUB socket that connects or binds,
/// and every message written as it arrives, one JSON line with its receive
/// time (`StreamRecording`), so that a crash loses at most the message being written.
package final class StreamRecorder {
    /// Shut it down to end `record` (SIGINT, SIGTERM).
    package let context: ZMQContext
    /// Where it records from: bound endpoints (with chosen ports), then connected ones.
    package let endpoints: [String]
    private let socket: ZMQSocket
    private let file: FileHandle

    /// Creates (or replaces) `output` and subscribes; connected endpoints have completed their handshake.
    /// `curve`: the keys to connect to a CURVE server with.
    package init(
        output: String, connect: [String], bind: [String], subscriptions: [String], curve: CurveClientKeys? = nil
    )
        throws
    {
        guard FileManager.default.createFile(atPath: output, contents: nil) else {
            throw RecordingError(file: output, line: nil, problem: "cannot create the file")
        }
        file = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try file.write(contentsOf: Data((StreamRecording.header + "\n").utf8))
        context = try ZMQContext()
        socket = try ZMQSocket(context: context, type: .subscriber)
        try socket.set(.receiveHighWaterMark(100_000))
        try curve?.apply(to: socket)
        for prefix in subscriptions { try socket.set(.subscribe(prefix: Array(prefix.utf8))) }
        var endpoints: [String] = []
        for endpoint in bind {
            try socket.bind(endpoint)
            endpoints.append(try socket.lastEndpoint())
        }
        for endpoint in connect {
            _ = try socket.connectAndWaitForHandshake(endpoint, timeout: 10)
            endpoints.append(endpoint)
        }
        self.endpoints = endpoints
    }

    /// Records until `count` messages (nil: until the context shuts down); returns the
    /// messages and frame bytes written. The file is synced and closed at the end.
    package func record(count: Int?) throws -> (messages: Int, bytes: Int) {
        var bytes = 0
        let recorded = try socket.receiveUntilShutdown(limit: count) { frames in
            let line = StreamRecording.line(
                for: RecordedMessage(received: Date().timeIntervalSince1970, frames: frames))
            // One write per message, straight to the kernel: nothing waits in a buffer of ours.
            try file.write(contentsOf: Data(line.utf8))
            bytes += frames.reduce(0) { $0 + $1.count }
        }
        socket.close()
        try file.synchronize()
        try file.close()
        return (recorded, bytes)
    }
}
