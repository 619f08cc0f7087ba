import Foundation
import StreamLSTMDaemon

/// Debian's `prometheus-alertmanager` (installed by scripts/setup.sh), started for a test on
/// a loopback port with a temporary configuration and storage, clustering off.
package final class AlertmanagerServer {
    package static let binary = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
    package let port: UInt16
    package let folder: URL
    private var process: RunningDaemon?

    package var url: String { "http://127.0.0.1:\(port)" }
    package var address: String { "127.0.0.1:\(port)" }

    /// Started and answering `/-/ready`, unless `start` is false (then `start()` later, on the same port).
    /// `configuration`: Alertmanager's YAML (default: one receiver that does nothing).
    package init(port: UInt16? = nil, start: Bool = true, configuration: String? = nil) throws {
        self.port = try port ?? unusedLoopbackPort()
        folder = try makeTemporaryFolder("alertmanager")
        try
            (configuration ?? """
                route:
                  receiver: "null"
                receivers:
                  - name: "null"
                """).write(to: folder.appendingPathComponent("alertmanager.yml"), atomically: true, encoding: .utf8)
        if start { try self.start() }
    }

    deinit {
        process = nil
        try? FileManager.default.removeItem(at: folder)
    }

    package func start() throws {
        process = try RunningDaemon(
            [
                "--config.file=\(folder.appendingPathComponent("alertmanager.yml").path)",
                "--storage.path=\(folder.appendingPathComponent("data").path)",
                "--web.listen-address=\(address)", "--cluster.listen-address=",
            ], executable: Self.binary)
        try waitUntil("Alertmanager on \(address) ready") { (try? httpGet(address, "/-/ready")) != nil }
    }

    /// Stops it; it keeps alerts in memory only, so a restart starts with none.
    package func stop() throws {
        _ = try process?.terminate()
        process = nil
    }

    /// `GET /api/v2/alerts`: the alerts Alertmanager holds as active.
    package func alerts() throws -> [[String: Any]] {
        try httpGetList(address, "/api/v2/alerts")
    }

    /// The active alerts of one series.
    package func alerts(series: String) throws -> [[String: Any]] {
        try alerts().filter { ($0["labels"] as? [String: String])?["series"] == series }
    }
}
