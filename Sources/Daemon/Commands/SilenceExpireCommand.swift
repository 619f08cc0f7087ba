import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd silence expire ID`.
struct SilenceExpireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "End one of the daemon's own silences now (an Alertmanager's is expired in Alertmanager)."
    )

    @Argument(help: "The silence's id, as add printed it or list shows it.")
    var id: String

    @OptionGroup var daemon: DaemonClientOptions

    func run() throws {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let escaped = id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
        let reply = try daemon.request("DELETE", "/silences?id=\(escaped)")
        guard reply.status == 200 else { throw DaemonClientOptions.refused(status: reply.status, body: reply.body) }
        print("expired \(id)")
    }
}
