import Foundation

/// The `streamlstmd` executable that `swift build` / `swift test` produced,
/// run as a user would run it.
enum BuiltBinary {
    struct Outcome {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case timedOut([String], seconds: Double)

        var description: String {
            switch self {
            case .missing(let path): "no built streamlstmd at \(path): run `swift build` first"
            case .timedOut(let arguments, let seconds): "streamlstmd \(arguments) still running after \(seconds) s"
            }
        }
    }

    /// The product sits beside the test bundle in the build folder.
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("streamlstmd")
    }

    /// Runs the binary (or another program) to completion, or kills it and throws after `timeout` seconds.
    static func run(_ arguments: [String], timeout: Double = 60, executable: URL = url) throws -> Outcome {
        let running = try RunningDaemon(arguments, executable: executable)
        guard running.waitForExit(timeout: timeout) else {
            running.process.terminate()
            throw Failure.timedOut(arguments, seconds: timeout)
        }
        return Outcome(
            status: running.process.terminationStatus, standardOutput: running.output,
            standardError: running.log)
    }
}

/// A new empty folder under the temporary directory; the caller removes it.
func makeTemporaryFolder(_ prefix: String = "streamlstmd") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
