import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMTools

/// `streamlstmd check-config FILE`: validate a configuration and print it in full;
/// `--keys`: every key with its default and whether a reload applies it.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a YAML configuration and print the effective settings, defaults included."
    )

    @Argument(help: "The configuration file.")
    var file: String?

    @Flag(
        help: "List every key: whether SIGHUP applies it at once (live) or at a restart, its default, what it does.")
    var keys = false

    func validate() throws {
        guard keys || file != nil else { throw ValidationError("give a configuration file, or --keys") }
    }

    /// Every key: its path, when a change applies, its default and what it does, under a header.
    static func keyTable() -> String {
        let defaults = DaemonConfig()
        let rows =
            [
                ("KEY", "APPLIES", "DEFAULT", "WHAT IT DOES"),
                ("inputs", "restart", "(a list)", "see deploy/streamlstmd.yaml"),
            ]
            + DaemonConfig.keys.flatMap { key in
                [(key.path, key.change.rawValue, key.print(defaults), key.summary)]
                    + key.itemKeys.map { ("\(key.path)[].\($0.name)", key.change.rawValue, "-", $0.summary) }
            }
        let widths = (
            rows.map(\.0.count).max() ?? 0, rows.map(\.1.count).max() ?? 0, rows.map(\.2.count).max() ?? 0
        )
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        return rows.map { "\(pad($0.0, widths.0))  \(pad($0.1, widths.1))  \(pad($0.2, widths.2))  \($0.3)\n" }.joined()
    }

    func run() throws {
        if keys {
            print(Self.keyTable(), terminator: "")
            return
        }
        guard let file else { return }
        print(try ConfigRefusal.load(file).yaml, terminator: "")
    }
}
