import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools
import ZeroMQ

/// `streamlstmd alerts`: subscribe to a daemon's alerts and print them.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Subscribe to a daemon's alert socket and print the alerts as they come."
    )

    @Option(help: "The daemon's alert endpoint.")
    var connect: String = "tcp://127.0.0.1:5556"

    @Option(help: "Topic prefix: alert.firing, alert.resolved.critical, ... (alert. is every alert).")
    var subscribe: String = "alert."

    @Flag(help: "Print the JSON payloads as they arrive instead of one line per alert.")
    var json = false

    @Option(help: "Exit after this many alerts (default: run until interrupted).")
    var count: Int?

    @OptionGroup var curve: CurveClientOptions

    func run() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .subscriber)
        try socket.set(.subscribe(prefix: Array(subscribe.utf8)))
        try curve.keys()?.apply(to: socket)
        // Said at start either way, so that a wrong address is not mistaken for a quiet daemon; a
        // publisher that answers within a few seconds has our subscription before the line is out.
        let answered = try socket.connectAndWaitForHandshake(connect, timeout: 3)
        FileHandle.standardError.write(
            Data(
                "subscribed to \(connect), waiting for alerts\(answered ? "" : " (no publisher answers there yet)")\n"
                    .utf8))
        let signals = stopOnSignals(context)
        defer { for signal in signals { signal.cancel() } }
        // Only alerts ([topic, payload]) count towards --count.
        var printed = 0
        while count.map({ printed < $0 }) ?? true {
            let got = try socket.receiveUntilShutdown(limit: 1) { message in
                guard message.count == 2 else { return }
                let line =
                    json
                    ? String(decoding: message[1], as: UTF8.self)
                    : AlertLine.format(topic: message[0], payload: message[1])
                FileHandle.standardOutput.write(Data((line + "\n").utf8))  // unbuffered: a pipe sees each alert at once
                printed += 1
            }
            if got == 0 { break }  // the context shut down
        }
        socket.close()
    }
}

/// SIGINT and SIGTERM shut the context down, so that a blocked receive returns ETERM.
func stopOnSignals(_ context: ZMQContext) -> [DispatchSourceSignal] {
    [SIGTERM, SIGINT].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { context.shutdown() }
        source.resume()
        return source
    }
}
