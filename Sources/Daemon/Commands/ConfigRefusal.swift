import ArgumentParser
import Foundation
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// A configuration file that cannot be used ends the command with the file and the key on
/// standard error and exit status 78 (EX_CONFIG), without the usage text: the command line was
/// right, the file is not.
enum ConfigRefusal {
    /// The file read and checked, or the command ended.
    static func load(_ file: String) throws -> DaemonConfig {
        do {
            return try DaemonConfig.load(file: file)
        } catch {
            throw refuse(file, error)
        }
    }

    /// Says why and gives the exit status to throw.
    static func refuse(_ file: String?, _ error: ConfigError) -> ExitCode {
        FileHandle.standardError.write(Data("streamlstmd: \(file ?? "configuration"): \(error)\n".utf8))
        return ExitCode(EX_CONFIG)
    }
}
