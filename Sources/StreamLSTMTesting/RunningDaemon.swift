import Foundation
import StreamLSTMDaemon

/// The built `streamlstmd` started as a background process for a test, with
/// its output in files the test can watch with a deadline.
package final class RunningDaemon {
    package let process = Process()
    package let folder: URL
    package let standardOutput: URL
    package let standardError: URL
    private let exited = DispatchSemaphore(value: 0)

    /// `environment`: variables added to this process' own. `executable`: another program than the built daemon.
    package init(_ arguments: [String], environment: [String: String] = [:], executable: URL = BuiltBinary.url) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw BuiltBinary.Failure.missing(executable.path)
        }
        folder = try makeTemporaryFolder()
        standardOutput = folder.appendingPathComponent("stdout")
        standardError = folder.appendingPathComponent("stderr")
        // Output goes to files, so that a chatty process can never block on a full pipe.
        guard FileManager.default.createFile(atPath: standardOutput.path, contents: nil),
            FileManager.default.createFile(atPath: standardError.path, contents: nil)
        else {
            throw Failure("cannot create output files in \(folder.path)")
        }
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = try FileHandle(forWritingTo: standardOutput)
        process.standardError = try FileHandle(forWritingTo: standardError)
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
    }

    /// Waits for the process to end by itself; false if it is still running after `timeout` seconds.
    package func waitForExit(timeout: Double) -> Bool {
        exited.wait(timeout: .now() + timeout) == .success
    }

    package var output: String { (try? String(contentsOf: standardOutput, encoding: .utf8)) ?? "" }

    deinit {
        // SIGTERM (a child may inherit SIGINT ignored), then SIGKILL if it does not end in time.
        if process.isRunning {
            process.terminate()
            if (try? waitUntil("\(process.executableURL?.lastPathComponent ?? "") ends", timeout: 30) {
                !process.isRunning
            })
                == nil
            {
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    package var log: String { (try? String(contentsOf: standardError, encoding: .utf8)) ?? "" }

    /// Waits for the first line on standard output, and returns it.
    package func waitForOutput(timeout: Double = 60) throws -> String {
        try waitUntil(
            "a line on the standard output of \(process.executableURL?.lastPathComponent ?? "")", timeout: timeout
        ) {
            output.contains("\n")
        }
        return String(output.prefix { $0 != "\n" })
    }

    /// `streamlstmd run` with its input and alert sockets on loopback ports of its choosing
    /// (`loopbackEndpoints` reads them from its log), no status lines, and `options` (`--http`
    /// among them: `127.0.0.1:0` for a free port, or `off`).
    package static func onLoopback(_ options: [String], environment: [String: String] = [:]) throws -> RunningDaemon {
        try RunningDaemon(
            ["run", "--listen", "tcp://127.0.0.1:*", "--alerts", "tcp://127.0.0.1:*", "--status-interval", "0"]
                + options,
            environment: environment)
    }

    /// `streamlstmd run` with `configuration` as its YAML file, everything on loopback (inputs, the
    /// alert socket, HTTP on a free port), one shard, no status lines, named `instance`.
    package static func onLoopback(
        configuration: String, instance: String, stateDirectory: URL? = nil
    ) throws -> RunningDaemon {
        let file = try makeTemporaryFolder("\(instance)-config").appendingPathComponent("streamlstmd.yaml")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        var options = ["--config", file.path, "--http", "127.0.0.1:0", "--instance", instance, "--shards", "1"]
        if let stateDirectory { options += ["--state-dir", stateDirectory.path] }
        return try onLoopback(options)
    }

    /// What a daemon started on loopback (`--listen tcp://127.0.0.1:*`, `--alerts tcp://127.0.0.1:*`,
    /// `--http 127.0.0.1:0`) chose, as its log names them.
    package struct LoopbackEndpoints {
        package let input: String
        package let alerts: String
        package let http: String
    }

    /// The endpoints it chose, once it has logged them all; then, with `ready`, once it is ready.
    package func loopbackEndpoints(ready: Bool = true) throws -> LoopbackEndpoints {
        let endpoints = LoopbackEndpoints(
            input: try waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#),
            alerts: try waitForLog(#"alerts on (tcp://127\.0\.0\.1:\d+)"#),
            http: try waitForLog(#"http on (127\.0\.0\.1:\d+)"#))
        if ready { _ = try waitForLog("ready") }
        return endpoints
    }

    /// Waits until the log has a match for `pattern`, and returns its first capture group.
    package func waitForLog(_ pattern: String, timeout: Double = 60) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let text = log
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let range = Range(match.range(at: match.numberOfRanges > 1 ? 1 : 0), in: text)
            {
                return String(text[range])
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.02)  // polling a file for a condition, bounded by the deadline
        } while Date() < deadline
        throw Failure("no log line matching \(pattern) within \(timeout) s; log so far:\n\(log)")
    }

    /// Sends a signal (SIGHUP, SIGKILL, ...).
    package func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Sends SIGTERM and waits for the exit; returns the status and the seconds it took.
    package func terminate(timeout: Double = 10) throws -> (status: Int32, seconds: Double) {
        let start = Date()
        process.terminate()
        guard waitForExit(timeout: timeout) else { throw Failure("still running \(timeout) s after SIGTERM") }
        return (process.terminationStatus, Date().timeIntervalSince(start))
    }

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
        package init(_ description: String) { self.description = description }
    }
}

/// A Python peer in Tests/DaemonTests/Interop.
package func interopScript(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/DaemonTests/Interop").appendingPathComponent(name)
}

/// Runs a Python script from Tests/DaemonTests/Interop with the machine's python3 (pyzmq installed by setup).
package func runInteropScript(_ name: String, _ arguments: [String], timeout: Double = 120) throws -> Int32 {
    let script = interopScript(name)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path] + arguments
    try process.run()
    do {
        try waitUntil("\(name) ends", timeout: timeout) { !process.isRunning }
    } catch {
        process.terminate()
        throw error
    }
    return process.terminationStatus
}

/// The body of `GET path` from a running daemon, read with Python's urllib (a client written by others).
package func httpGet(_ http: String, _ path: String) throws -> String {
    let outcome = try BuiltBinary.run(
        [
            "python3", "-c",
            "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen('http://\(http)\(path)').read().decode())",
        ],
        executable: URL(fileURLWithPath: "/usr/bin/env"))
    guard outcome.status == 0 else { throw RunningDaemon.Failure("GET \(path): \(outcome.standardError)") }
    return outcome.standardOutput
}

/// The JSON list `GET path` answers (`/series`, `/silences`, Alertmanager's alerts), read with
/// Python's urllib; anything but a list of objects is a failure.
package func httpGetList(_ http: String, _ path: String) throws -> [[String: Any]] {
    guard let list = try JSONSerialization.jsonObject(with: Data(httpGet(http, path).utf8)) as? [[String: Any]]
    else { throw RunningDaemon.Failure("GET \(path): not a JSON list") }
    return list
}

/// `/series` of a running daemon, read with Python's urllib (a client written by others).
package func seriesList(_ http: String) throws -> [(
    key: String, samples: Int, modelVersion: Int, alert: String, forecast: Double?
)] {
    try httpGetList(http, "/series").map {
        (
            $0["series"] as? String ?? "", $0["samples"] as? Int ?? -1, $0["model_version"] as? Int ?? -1,
            $0["alert"] as? String ?? "", ($0["forecast"] as? NSNumber)?.doubleValue
        )
    }
}

/// A daemon started `onLoopback`, and the endpoints it chose, once it is ready: the suites that
/// run the built daemon against a real Alertmanager extend it with their own configuration.
package struct LoopbackDaemon {
    package let process: RunningDaemon
    package let input: String
    package let alerts: String
    package let http: String

    package init(configuration: String, instance: String, stateDirectory: URL? = nil) throws {
        process = try RunningDaemon.onLoopback(
            configuration: configuration, instance: instance, stateDirectory: stateDirectory)
        let endpoints = try process.loopbackEndpoints()
        (input, alerts, http) = (endpoints.input, endpoints.alerts, endpoints.http)
    }

    /// `urls` as a YAML flow list, for `alertmanager.urls`.
    package static func yamlList(_ urls: [String]) -> String {
        "[" + urls.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
