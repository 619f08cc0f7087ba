import Foundation
import StreamLSTMTesting
import StreamLSTMVocabulary
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

@Suite("Configuration")
struct ConfigTests {
    static let exampleFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/streamlstmd.yaml").standardized

    @Test("No keys at all is a working configuration with the documented defaults")
    func emptyIsDefaults() throws {
        let config = try DaemonConfig.load(yaml: "")
        #expect(config.inputs == [InputConfig(mode: .listen, endpoints: ["tcp://127.0.0.1:5555"])])
        #expect(config.alertsEndpoint == "tcp://127.0.0.1:5556")
        #expect(config.http == "127.0.0.1:9464")
        #expect(config.engine.alerts == AlertRules())
        #expect(config.engine.predictor == DaemonConfig().engine.predictor)
    }

    @Test("The example in deploy/ sets every key, and says what the defaults are")
    func exampleFileIsTheDefaults() throws {
        let text = try String(contentsOf: Self.exampleFile, encoding: .utf8)
        let example = try DaemonConfig.load(yaml: text)
        var defaults = DaemonConfig()
        defaults.engine.shards = 2  // the example names numbers; the defaults depend on the cores
        defaults.engine.trainingConcurrency = 1
        #expect(example.yaml == defaults.yaml)
    }

    @Test("Every key of the table is in the example in deploy/, in its section, and check-config --keys lists it")
    func everyKeyDocumented() throws {
        let text = try String(contentsOf: Self.exampleFile, encoding: .utf8)
        var section = ""
        var documented: Set<String> = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && line.contains(":") {
            let name = line.trimmingCharacters(in: .whitespaces).prefix { $0 != ":" }
            if !line.hasPrefix(" ") { section = line.hasSuffix(":") ? String(name) : "" }
            documented.insert(line.hasPrefix(" ") ? "\(section).\(name)" : String(name))
        }
        let missing = DaemonConfig.keys.map(\.path).filter {
            !documented.contains($0) && !documented.contains("#" + $0)
        }
        // `instance` is commented out in the example: its default is the host name.
        #expect(missing == ["instance"], "keys the example leaves out: \(missing)")
        let listing = try BuiltBinary.run(["check-config", "--keys"])
        #expect(listing.status == 0)
        for key in DaemonConfig.keys {
            #expect(
                listing.standardOutput.contains("\(key.path) ") && listing.standardOutput.contains(key.change.rawValue),
                "\(key.path)")
        }
    }

    @Test("Listen and alert addresses without a scheme are local TCP, not a plain-text network socket")
    func addressesAsTyped() {
        var config = DaemonConfig()
        config.inputs = [InputConfig(mode: .listen, endpoints: ["127.0.0.1:43707", "localhost:43708"])]
        config.alertsEndpoint = "127.0.0.1:43709"
        config.http = "localhost:0"
        #expect(config.problem == nil, "\(String(describing: config.problem))")
        #expect(HTTPAddress("localhost:9464") == HTTPAddress("127.0.0.1:9464"))
        config.inputs = [InputConfig(mode: .listen, endpoints: ["43707"])]
        #expect(config.problem?.key == "inputs[0].listen")
        #expect(config.problem?.description.contains("tcp://HOST:PORT or HOST:PORT") == true)
        config.inputs = [InputConfig(mode: .listen, endpoints: ["0.0.0.0:43707"])]
        #expect(config.problem?.description.contains("plain-text") == true)
    }

    @Test("The printed effective configuration reads back to itself")
    func printedReadsBack() throws {
        let yaml = """
            inputs:
              - connect: ["tcp://a:1", "tcp://b:2"]
                format: influx
                influx_precision: ms
                out_of_order: accept
              - listen: "ipc:///tmp/x"
                subscribe: ["metrics.", "cpu"]
            alerts: {fire_threshold: 0.7, resolve_threshold: 0.2, critical_threshold: 0.95}
            model: {cell: gru, hidden_size: 24, layers: 2}
            training: {enabled: false, every: 4, window: 16}
            http: off
            instance: "né \\"quoted\\""
            """
        let config = try DaemonConfig.load(yaml: yaml)
        #expect(config.inputs[0].mode == .connect && config.inputs[0].endpoints == ["tcp://a:1", "tcp://b:2"])
        #expect(config.inputs[0].influxPrecision == .milliseconds && config.inputs[0].acceptOutOfOrder)
        #expect(config.inputs[1].subscriptions == ["metrics.", "cpu"])
        #expect(config.engine.predictor.model.cell == .gru && !config.engine.training)
        #expect(config.engine.instance == "né \"quoted\"")
        #expect(config.http == "off")
        let again = try DaemonConfig.load(yaml: config.yaml)
        #expect(again.yaml == config.yaml)
    }

    @Test(
        "A bad key or value is refused with its dotted path",
        arguments: [
            ("alerts:\n  fire_thresold: 0.4", "alerts.fire_thresold: unknown key"),
            ("model:\n  hidden_size: big", "model.hidden_size: expected a whole number, got \"big\""),
            (
                "inputs:\n  - listen: [\"tcp://x:1\"]\n    format: xml",
                "inputs[0].format: expected auto, graphite, influx or json, got \"xml\""
            ),
            ("inputs:\n  - listen: [a]\n    connect: [b]", "inputs[0]: give exactly one of listen and connect"),
            (
                "alerts:\n  resolve_threshold: 0.9",
                "alerts.resolve_threshold: 0.9 is outside [0, alerts.fire_threshold (0.5)]"
            ),
            ("http: localhost", "http: expected HOST:PORT or off, got \"localhost\""),
            ("training:\n  every: 5\n  window: 64", "training.window: 64 is not a multiple of training.every (5)"),
            ("- just\n- a list", "expected a mapping of keys to values"),
        ])
    func refusals(yaml: String, message: String) {
        #expect {
            try DaemonConfig.load(yaml: yaml)
        } throws: { error in
            (error as? ConfigError)?.description == message
        }
    }

    @Test("check-config prints the effective settings, or names the bad key and exits 78")
    func checkConfigCommand() throws {
        let good = try BuiltBinary.run(["check-config", Self.exampleFile.path])
        #expect(good.status == 0)
        #expect(good.standardOutput.contains("  fire_threshold: 0.5\n"))
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = try writeFile("bad.yaml", in: folder, "scorer:\n  error_scale: -1\n")
        let refused = try BuiltBinary.run(["check-config", bad.path])
        #expect(refused.status == 78)
        #expect(refused.standardError.contains("scorer.error_scale: -1 must be > 0"), "\(refused.standardError)")
        let runRefused = try BuiltBinary.run(["run", "--config", bad.path])
        #expect(runRefused.status == 78)
        #expect(runRefused.standardError.contains("scorer.error_scale: -1 must be > 0"))
        #expect(
            !runRefused.standardError.contains("Usage:"), "a bad file is no usage error: \(runRefused.standardError)")
    }

    @Test("Every key given a value out of its bounds is refused naming that key as the file spells it")
    func everyRefusalNamesItsKey() {
        var unnamed: [String] = []
        var refused = 0
        for key in DaemonConfig.keys {
            for value in ["-1000000000", "-3", "-0.5", "0", "0.5", "2", "5000", "1000000000", ".nan", "-.inf", ".inf"] {
                let yaml = key.section.isEmpty ? "\(key.name): \(value)" : "\(key.section):\n  \(key.name): \(value)"
                do {
                    _ = try DaemonConfig.load(yaml: yaml)
                } catch {
                    refused += 1
                    // The key set, or the key whose bound it moved (training.window for training.every).
                    let named = DaemonConfig.keys.contains { $0.path == error.key }
                    if !named || !(error.key == key.path || error.problem.contains(key.path)) {
                        unnamed.append("\(key.path): \(value) -> \(error)")
                    }
                }
            }
        }
        #expect(unnamed.isEmpty, "\(unnamed)")
        #expect(refused > 200)  // the values do reach the bounds
    }

    @Test("check-config and run --config name every bad key (exit 78, no usage text); a bad flag names the flag (64)")
    func badKeysThroughTheBinary() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = [
            ("training:\n  every: -3\n", "training.every: -3 must be >= 0 (0 turns learning off)"),
            ("model:\n  hidden_size: 0\n", "model.hidden_size: 0 is outside 1...1024"),
            ("alerts:\n  cool_down: -3\n", "alerts.cool_down: -3 must be >= 0 seconds"),
            ("normalizer:\n  time_constant: 0.5\n", "normalizer.time_constant: 0.5 must be >= 1 sample"),
            ("shards: 0\n", "shards: 0 is outside 1...256"),
            ("model:\n  cell: gru\n  peepholes: true\n", "model.peepholes: true needs model.cell: lstm, not gru"),
        ]
        for (index, (yaml, message)) in cases.enumerated() {
            let file = folder.appendingPathComponent("bad\(index).yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            for command in [["check-config", file.path], ["run", "--config", file.path, "--http", "off"]] {
                let outcome = try BuiltBinary.run(command)
                #expect(outcome.status == 78, "\(command): \(outcome.standardError)")
                #expect(
                    outcome.standardError == "streamlstmd: \(file.path): \(message)\n",
                    "\(command): \(outcome.standardError)")
            }
        }
        // A flag's value is the command line's fault: a usage error naming the flag, over the file's value.
        let file = folder.appendingPathComponent("bad0.yaml")
        let flag = try BuiltBinary.run(["run", "--config", file.path, "--max-series", "0"])
        #expect(flag.status == 64)
        #expect(flag.standardError.contains("Error: --max-series: 0 must be >= 1"), "\(flag.standardError)")
        let shard = try BuiltBinary.run(["run", "--shard", "2/2"])
        #expect(shard.status == 64 && shard.standardError.contains("--shard: 2/2 needs 0 <= I < N"))
    }
}
