import ArgumentParser
import Foundation
import Logging
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd demo`: the daemon and a synthetic producer over real ZeroMQ
/// sockets on loopback, alerts printed live with a status line.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the daemon on a built-in synthetic stream over loopback ZeroMQ and print its alerts.",
        discussion: """
            Four series with daily-like cycles and noise; one gets a spike, one a lasting \
            level shift, one a dropout, one stays clean. The producer publishes them to the \
            daemon's input socket, the daemon's alerts are read back from its alert socket.
            """
    )

    @Option(help: "Samples per series.")
    var samples: Int = 3500

    @Option(help: "Samples per second per series (0: as fast as possible).")
    var rate: Double = 2000

    @Option(
        name: .customLong("alertmanager"),
        help: "Also deliver the alerts to this Prometheus Alertmanager (its base URL); repeatable.")
    var alertmanagerURLs: [String] = []

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        guard rate >= 0 else { throw ValidationError("--rate must be >= 0") }
        var alertmanager = AlertmanagerConfig()
        alertmanager.urls = alertmanagerURLs
        if let problem = alertmanager.problem { throw ValidationError(problem.description) }
    }

    func run() async throws {
        logToStandardError(at: .warning)
        try await DemoRun(samples: samples, rate: rate, alertmanagerURLs: alertmanagerURLs).run()
    }
}
