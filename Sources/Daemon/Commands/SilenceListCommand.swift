import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools
import StreamLSTMVocabulary

/// `streamlstmd silence list`: a table of the silences in force or pending.
struct SilenceListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the silences in force or pending: the daemon's own and its Alertmanagers'."
    )

    @Flag(help: "Print the daemon's JSON (GET /silences) instead of a table.")
    var json = false

    @OptionGroup var daemon: DaemonClientOptions

    func run() throws {
        let reply = try daemon.request("GET", "/silences")
        guard reply.status == 200,
            let list = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [[String: Any]]
        else { throw DaemonClientOptions.refused(status: reply.status, body: reply.body) }
        if json {
            print(reply.body, terminator: reply.body.hasSuffix("\n") ? "" : "\n")
            return
        }
        let now = Date().timeIntervalSince1970
        var rows = [["ID", "STATE", "ENDS", "SOURCE", "LEARNING", "MATCHERS", "BY", "COMMENT"]]
        for silence in list {
            func text(_ key: String) -> String { silence[key] as? String ?? "" }
            let endsAt = text("endsAt")
            let left = Timestamps.parseRFC3339(endsAt).map { " (in \(SilenceDuration.format($0 - now)))" } ?? ""
            rows.append([
                text("id"), text("state"), endsAt + left, text("source"),
                SilenceJSON.flag(silence["pauses_learning"]) == false ? "keeps" : "paused", text("selector"),
                text("createdBy"), text("comment").replacingOccurrences(of: "\n", with: " "),
            ])
        }
        guard rows.count > 1 else {
            print("no silences")
            return
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}
