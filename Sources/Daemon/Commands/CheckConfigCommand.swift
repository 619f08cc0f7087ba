import ArgumentParser
import Foundation

/// `streamlstmd check-config FILE`: validate a configuration and print it in full.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a YAML configuration and print the effective settings, defaults included."
    )

    @Argument(help: "The configuration file.")
    var file: String

    func run() throws {
        do {
            let config = try DaemonConfig.load(file: file)
            print(config.yaml, terminator: "")
        } catch {
            FileHandle.standardError.write(Data("streamlstmd: \(file): \(error)\n".utf8))
            throw ExitCode(EX_CONFIG)
        }
    }
}
