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

    /// Runs the binary to completion, or kills it and throws after `timeout` seconds.
    /// Its output goes to files, so that a chatty process can never block on a full pipe.
    static func run(_ arguments: [String], timeout: Double = 60) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw Failure.missing(url.path) }
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("stdout"), errorURL = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL), error = try FileHandle(forWritingTo: errorURL)
        defer { try? output.close(); try? error.close() }

        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = error
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            _ = finished.wait(timeout: .now() + 5)
            throw Failure.timedOut(arguments, seconds: timeout)
        }
        return Outcome(status: process.terminationStatus,
                       standardOutput: try String(contentsOf: outputURL, encoding: .utf8),
                       standardError: try String(contentsOf: errorURL, encoding: .utf8))
    }
}

/// A new empty folder under the temporary directory; the caller removes it.
func makeTemporaryFolder(_ prefix: String = "streamlstmd") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
