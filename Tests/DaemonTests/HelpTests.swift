import Foundation
import Logging
import StreamLSTMTesting
import Testing

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// What `--help`, `check-config --keys`, `alerts` and `/metrics` tell an operator.
@Suite("Help")
struct HelpTests {
    /// The `--help` of `command` and of every subcommand under it, found from the SUBCOMMANDS lists.
    static func helps(_ command: [String] = []) throws -> [(command: [String], text: String)] {
        let outcome = try BuiltBinary.run(command + ["--help"])
        guard outcome.status == 0 else { throw RunningDaemon.Failure("\(command) --help: \(outcome.standardError)") }
        var found = [(command, outcome.standardOutput)]
        let lines = outcome.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return found }
        for line in lines[(start + 1)...] {
            if line.isEmpty || line.hasPrefix("   ") { continue }  // a wrapped abstract
            // `  name   abstract`; the list ends at `  See 'streamlstmd help ...'`.
            guard line.hasPrefix("  "), let name = line.split(separator: " ").first,
                name.allSatisfy({ $0.isLowercase || $0 == "-" }), command.count < 3
            else { break }
            found += try helps(command + [String(name)])
        }
        return found
    }

    /// Each option's help as one line: its first line and the indented lines under it.
    static func options(_ help: String) -> [String] {
        var options: [String] = []
        for line in help.split(separator: "\n") {
            if line.hasPrefix("  -") || line.hasPrefix("  <") {
                options.append(line.trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix("      "), !options.isEmpty {
                options[options.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            }
        }
        return options
    }

    @Test(
        "No option of any command says its default twice; run --help shows the defaults of --listen, --http, --training"
    )
    func defaultsOnce() throws {
        let helps = try Self.helps()
        #expect(helps.count > 15, "\(helps.map(\.command))")  // every command and bench's subcommands
        for (command, text) in helps {
            for option in Self.options(text) {
                #expect(option.components(separatedBy: "(default").count <= 2, "\(command): \(option)")
            }
        }
        let run = try #require(helps.first { $0.command == ["run"] })
        let options = Self.options(run.text)
        let defaults = DaemonConfig()
        for (flag, value) in [
            ("--listen", defaults.inputs[0].endpoints[0]), ("--http", defaults.http),
            ("--training", defaults.engine.training ? "on" : "off"), ("--alerts", defaults.alertsEndpoint),
        ] {
            let option = try #require(options.first { $0.hasPrefix(flag + " ") })
            #expect(option.contains("(default: \(value))"), "\(option)")
        }
    }

    @Test("run --http's help names every route the HTTP server serves")
    func httpRoutesInHelp() throws {
        let harness = EngineHarness(config: EngineConfig(), lockstep: false)
        let server = try StatusServer.make(
            host: "127.0.0.1", port: 0, readiness: Readiness(),
            engine: harness.engine, feedback: nil,
            silences: SilenceBook(store: nil, pauseLearning: true, logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        let served = server.served
        #expect(served.contains { $0.path == "/series" } && served.count >= 8)
        let run = try BuiltBinary.run(["run", "--help"])
        let http = try #require(Self.options(run.standardOutput).first { $0.hasPrefix("--http ") })
        for route in served {
            #expect(http.contains(route.path), "\(route.method) \(route.path) missing from: \(http)")
            #expect(http.contains(route.method), "\(route.method) \(route.path) missing from: \(http)")
        }
    }

    @Test("check-config --keys has a header, and every key a line of what it does")
    func keysDescribed() throws {
        let listing = try BuiltBinary.run(["check-config", "--keys"])
        #expect(listing.status == 0)
        let lines = listing.standardOutput.split(separator: "\n").map(String.init)
        let header = try #require(lines.first)
        #expect(header.hasPrefix("KEY ") && header.contains("APPLIES") && header.contains("DEFAULT"))
        #expect(header.contains("WHAT IT DOES"))
        for key in DaemonConfig.keys {
            #expect(!key.summary.isEmpty, "\(key.path) has no description")
            let line = lines.first { $0.hasPrefix(key.path + " ") }
            #expect(line?.hasSuffix(key.summary) == true, "\(key.path): \(line ?? "no line")")
        }
    }

    @Test("alerts --connect to an address where nothing publishes says at start that it waits")
    func alertsSaysItWaits() throws {
        let port = try unusedLoopbackPort()
        let watcher = try RunningDaemon(["alerts", "--connect", "tcp://127.0.0.1:\(port)"])
        _ = try watcher.waitForLog("subscribed to tcp://127\\.0\\.0\\.1:\(port), waiting for alerts", timeout: 30)
        #expect(watcher.process.isRunning)
    }

    @Test("Every /metrics family of the running daemon has a # HELP line; promtool, where installed, finds nothing")
    func metricsHaveHelp() throws {
        let daemon = try RunningDaemon.onLoopback([
            "--http", "127.0.0.1:0", "--alertmanager", "http://127.0.0.1:\(try unusedLoopbackPort())",
        ])
        let http = try daemon.waitForLog(#"http on (127\.0\.0\.1:\d+)"#)
        _ = try daemon.waitForLog("ready")
        let metrics = try httpGet(http, "/metrics")
        let lines = metrics.split(separator: "\n")
        let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let helped = Dictionary(
            lines.filter { $0.hasPrefix("# HELP ") }.map { line in
                let parts = line.split(separator: " ", maxSplits: 3)
                return (parts[2], parts.count > 3 ? String(parts[3]) : "")
            }, uniquingKeysWith: { first, _ in first })
        #expect(typed.count >= 20 && typed.contains("streamlstmd_notifications_sent_total"), "\(typed)")
        for family in typed {
            #expect(helped[family].map { !$0.isEmpty && $0 != String(family) } == true, "\(family) has no # HELP")
        }
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        if let promtool {
            let file = daemon.folder.appendingPathComponent("metrics.txt")
            try metrics.write(to: file, atomically: true, encoding: .utf8)
            let check = try BuiltBinary.run(
                ["-c", "\(promtool) check metrics < \(file.path)"], executable: URL(fileURLWithPath: "/bin/sh"))
            #expect(check.status == 0 && check.standardError.isEmpty, "\(check.standardOutput)\(check.standardError)")
        }
    }
}
