import Foundation
import StreamLSTMDaemon

/// The `streamlstmd` executable that `swift build` / `swift test` produced,
/// run as a user would run it.
package enum BuiltBinary {
    package struct Outcome {
        package let status: Int32
        package let standardOutput: String
        package let standardError: String
    }

    package enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case timedOut([String], seconds: Double)

        package var description: String {
            switch self {
            case .missing(let path): "no built streamlstmd at \(path): run `swift build` first"
            case .timedOut(let arguments, let seconds): "streamlstmd \(arguments) still running after \(seconds) s"
            }
        }
    }

    /// The product sits beside the test bundle in the build folder.
    package static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("streamlstmd")
    }

    /// Runs the binary (or another program) to completion, or kills it and throws after `timeout` seconds.
    package static func run(_ arguments: [String], timeout: Double = 60, executable: URL = url) throws -> Outcome {
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
package func makeTemporaryFolder(_ prefix: String = "streamlstmd") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Writes `contents` as UTF-8 to the file `name` in `folder`, replacing it, and returns the file.
@discardableResult
package func writeFile(_ name: String, in folder: URL, _ contents: String) throws -> URL {
    let file = folder.appendingPathComponent(name)
    try contents.write(to: file, atomically: true, encoding: .utf8)
    return file
}
