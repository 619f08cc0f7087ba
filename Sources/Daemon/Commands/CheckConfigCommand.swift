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

    @Flag(help: "List every key with its default and whether SIGHUP applies it at once (live) or at a restart.")
    var keys = false

    func validate() throws {
        guard keys || file != nil else { throw ValidationError("give a configuration file, or --keys") }
    }

    func run() throws {
        if keys {
            let defaults = DaemonConfig()
            let width = DaemonConfig.keys.map(\.path.count).max() ?? 0
            print(
                "inputs".padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  restart  (a list; see deploy/streamlstmd.yaml)")
            for key in DaemonConfig.keys {
                print(
                    key.path.padding(toLength: width, withPad: " ", startingAt: 0)
                        + "  \(key.change.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(key.print(defaults))"
                )
            }
            return
        }
        guard let file else { return }
        print(try ConfigRefusal.load(file).yaml, terminator: "")
    }
}
