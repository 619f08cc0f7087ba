import Foundation
import Logging
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Keys made by the built binary's `keygen` and by pyzmq, a daemon whose input and alert sockets
/// are CURVE servers, and pyzmq peers (Interop/curve_peers.py) with and without allowed keys.
@Suite("CURVE and ZAP: only known producers and subscribers")
struct CurveTests {
    /// A folder of keys: `server`, `producer-a`, `producer-b` and `stranger` from `keygen`,
    /// `producer-py` from pyzmq; `allowed/` and `subscribers/` as the daemon's allow-lists.
    final class Keys {
        let folder: URL
        var allowed: URL { folder.appendingPathComponent("allowed") }
        var subscribers: URL { folder.appendingPathComponent("subscribers") }

        init() throws {
            folder = try makeTemporaryFolder("curve")
            let keys = folder.appendingPathComponent("keys")
            for name in ["server", "producer-a", "producer-b", "stranger", "sub-ok"] {
                let made = try BuiltBinary.run(["keygen", "--output", keys.path, "--name", name])
                guard made.status == 0 else { throw RunningDaemon.Failure("keygen: \(made.standardError)") }
            }
            guard try CurveTests.python(["certificates", keys.path, "producer-py"]).status == 0 else {
                throw RunningDaemon.Failure("pyzmq could not make certificates")
            }
            for (name, list) in [("producer-a", allowed), ("producer-py", allowed), ("sub-ok", subscribers)] {
                try FileManager.default.createDirectory(at: list, withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    at: publicCertificate(name), to: list.appendingPathComponent("\(name).key"))
            }
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func publicCertificate(_ name: String) -> URL { folder.appendingPathComponent("keys/\(name).key") }
        func secretCertificate(_ name: String) -> URL { folder.appendingPathComponent("keys/\(name).key_secret") }
    }

    /// The built daemon with CURVE on its input and alert sockets.
    struct Daemon {
        let process: RunningDaemon
        let input: String
        let alerts: String
        let http: String

        /// `extra`: more top-level YAML for the configuration.
        init(_ keys: Keys, extra: String = "") throws {
            let config = try writeFile(
                "streamlstmd.yaml", in: keys.folder,
                """
                inputs:
                  - listen: ["tcp://127.0.0.1:*"]
                    curve:
                      secret_key_file: "\(keys.secretCertificate("server").path)"
                      allowed_keys: "\(keys.allowed.path)"
                alerts_endpoint: "tcp://127.0.0.1:*"
                alerts_curve:
                  secret_key_file: "\(keys.secretCertificate("server").path)"
                  allowed_keys: "\(keys.subscribers.path)"
                alerts:
                  resend_interval: 100000
                \(extra)
                """)
            process = try RunningDaemon([
                "run", "--config", config.path, "--http", "127.0.0.1:0", "--status-interval", "0", "--shards", "1",
            ])
            let endpoints = try process.loopbackEndpoints()
            (input, alerts, http) = (endpoints.input, endpoints.alerts, endpoints.http)
        }

        func handshakes(_ outcome: String) throws -> Double {
            try metricValue(http, "streamlstmd_curve_handshakes_total", [#"outcome="\#(outcome)""#])
        }
    }

    @discardableResult
    static func python(_ arguments: [String], timeout: Double = 60) throws -> BuiltBinary.Outcome {
        try BuiltBinary.run(
            ["python3", interopScript("curve_peers.py").path] + arguments, timeout: timeout,
            executable: URL(fileURLWithPath: "/usr/bin/env"))
    }

    /// `client`: a secret certificate, `plain` or `garbage`.
    static func produce(
        _ daemon: Daemon, _ keys: Keys, client: String, series: String, count: Int = 20,
        spikeAt: Int = -1
    ) throws {
        let outcome = try python([
            "produce", daemon.input, keys.publicCertificate("server").path, client, series, "\(count)", "\(spikeAt)",
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
    }

    @Test(
        "An allowed producer delivers and alerts; a key not allowed, plain text and garbage deliver nothing, counted by reason"
    )
    func onlyAllowedProducers() throws {
        let keys = try Keys()
        let daemon = try Daemon(keys)
        try Self.produce(daemon, keys, client: keys.secretCertificate("stranger").path, series: "from.stranger")
        try Self.produce(daemon, keys, client: "plain", series: "from.plain")
        try Self.produce(daemon, keys, client: "garbage", series: "from.garbage")
        try Self.produce(
            daemon, keys, client: keys.secretCertificate("producer-a").path, series: "from.a", count: 600, spikeAt: 590)
        try Self.produce(daemon, keys, client: keys.secretCertificate("producer-py").path, series: "from.py")
        try waitUntil("both allowed producers' samples") {
            let series = try seriesList(daemon.http)
            return series.first { $0.key == "from.a" }?.samples == 600
                && series.first { $0.key == "from.py" }?.samples == 20
        }
        let listed =
            try JSONSerialization.jsonObject(with: Data(httpGet(daemon.http, "/series").utf8)) as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["series"] as? String }) == ["from.a", "from.py"], "nothing from the others")
        let producers = Dictionary(listed.map { ($0["series"] as? String ?? "", $0["producer"] as? String ?? "") }) {
            a, _ in a
        }
        #expect(producers == ["from.a": "producer-a", "from.py": "producer-py"])
        #expect(try daemon.handshakes("accepted") >= 2)
        #expect(try daemon.handshakes("not_allowed") >= 1)
        #expect(try daemon.handshakes("protocol_error") >= 1, "the plain-text producer")
        let metrics = try MetricsPage.read(daemon.http)
        #expect(metrics.value("streamlstmd_input_disconnects_total") >= 2, "the garbage, and the others cut off")
        #expect(metrics.value("streamlstmd_producer_messages_total", [#"producer="producer-a""#]) == 12)
        #expect(metrics.sum("streamlstmd_alerts_total", [#"status="firing""#]) >= 1)
        #expect(daemon.process.log.contains("CURVE handshake refused"))
    }

    @Test(
        "A key removed from the folder cannot connect after SIGHUP; a key added lets a new producer in without a restart"
    )
    func allowListReload() throws {
        let keys = try Keys()
        let daemon = try Daemon(keys)
        try Self.produce(daemon, keys, client: keys.secretCertificate("producer-a").path, series: "before.a")
        try waitUntil("producer-a's samples") { try seriesList(daemon.http).contains { $0.key == "before.a" } }
        try FileManager.default.removeItem(at: keys.allowed.appendingPathComponent("producer-a.key"))
        try FileManager.default.copyItem(
            at: keys.publicCertificate("producer-b"), to: keys.allowed.appendingPathComponent("producer-b.key"))
        daemon.process.signal(SIGHUP)
        _ = try daemon.process.waitForLog("configuration reloaded")
        try Self.produce(daemon, keys, client: keys.secretCertificate("producer-a").path, series: "after.a")
        try Self.produce(daemon, keys, client: keys.secretCertificate("producer-b").path, series: "after.b")
        try waitUntil("producer-b's samples") { try seriesList(daemon.http).contains { $0.key == "after.b" } }
        #expect(try !seriesList(daemon.http).contains { $0.key == "after.a" }, "a removed key got in")
        #expect(try daemon.handshakes("not_allowed") >= 1)
        // A folder that cannot be read refuses the reload; the running allow-list stays.
        try FileManager.default.removeItem(at: keys.allowed)
        daemon.process.signal(SIGHUP)
        _ = try daemon.process.waitForLog("allowed_keys.*reload refused")
    }

    @Test(
        "A reload that an unreadable Alertmanager token refuses leaves the allow-list as it was; the same reload with the token applies"
    )
    func refusedReloadChangesNothing() throws {
        let keys = try Keys()
        let token = try writeFile("token", in: keys.folder, "secret\n")
        let daemon = try Daemon(keys, extra: "alertmanager:\n  bearer_token_file: \"\(token.path)\"")
        try FileManager.default.copyItem(
            at: keys.publicCertificate("producer-b"), to: keys.allowed.appendingPathComponent("producer-b.key"))
        try FileManager.default.removeItem(at: token)
        daemon.process.signal(SIGHUP)
        _ = try daemon.process.waitForLog("bearer_token_file.*reload refused")  // metadata come first
        // The allow-list was readable and would have let producer-b in: it is not in force.
        try Self.produce(daemon, keys, client: keys.secretCertificate("producer-b").path, series: "refused.b")
        try waitUntil("producer-b turned away") { try daemon.handshakes("not_allowed") >= 1 }
        #expect(
            try !seriesList(daemon.http).contains { $0.key == "refused.b" }, "a refused reload changed the allow-list")
        try "secret\n".write(to: token, atomically: true, encoding: .utf8)
        daemon.process.signal(SIGHUP)
        _ = try daemon.process.waitForLog("configuration reloaded")
        try Self.produce(daemon, keys, client: keys.secretCertificate("producer-b").path, series: "applied.b")
        try waitUntil("producer-b's samples") { try seriesList(daemon.http).contains { $0.key == "applied.b" } }
    }

    @Test("An alert subscriber with an allowed key receives alerts; one without gets none")
    func onlyAllowedSubscribers() throws {
        let keys = try Keys()
        let daemon = try Daemon(keys)
        let script = interopScript("curve_peers.py").path
        let allowed = try RunningDaemon(
            [
                "python3", script, "subscribe", daemon.alerts, keys.publicCertificate("server").path,
                keys.secretCertificate("sub-ok").path, "6",
            ],
            executable: URL(fileURLWithPath: "/usr/bin/env"))
        let refused = try RunningDaemon(
            [
                "python3", script, "subscribe", daemon.alerts, keys.publicCertificate("server").path,
                keys.secretCertificate("stranger").path, "6",
            ],
            executable: URL(fileURLWithPath: "/usr/bin/env"))
        try waitUntil("both subscribers' handshakes judged") {
            try daemon.handshakes("accepted") >= 1 && daemon.handshakes("not_allowed") >= 1
        }
        try Self.produce(
            daemon, keys, client: keys.secretCertificate("producer-a").path, series: "watched", count: 600, spikeAt: 590
        )
        #expect(allowed.waitForExit(timeout: 30) && refused.waitForExit(timeout: 30))
        let heard = { (process: RunningDaemon) -> [String] in
            let last = process.output.split(separator: "\n").last.map(String.init) ?? ""
            return (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: [String]])?["alerts"] ?? ["?"]
        }
        #expect(heard(allowed).contains("watched"), "\(allowed.output)")
        #expect(heard(refused).isEmpty, "\(refused.output)")
    }

    @Test(
        "A ZAP request with a wrong version, missing frames or another mechanism gets a 400; the handler keeps serving")
    func zapRefusesMalformedRequests() throws {
        let pair = try ZMQCurve.keyPair()
        let key = try #require(ZMQCurve.bytes(ofKey: pair.publicKey))
        let context = try ZMQContext()
        let handler = try ZAPHandler(
            contexts: [context], allowLists: ["d": AllowList(folder: "", names: [pair.publicKey: "known"])],
            metrics: nil, logger: Logger(label: "test"))
        let requests: [(frames: [[UInt8]], status: String, userId: String)] = [
            (["2.0", "1", "d", "127.0.0.1", "", "CURVE"].map { Array($0.utf8) } + [key], "400", ""),
            ([Array("1.0".utf8), Array("2".utf8)], "400", ""),
            (["1.0", "3", "d", "127.0.0.1", "", "PLAIN", "user", "password"].map { Array($0.utf8) }, "400", ""),
            (["1.0", "4", "other", "127.0.0.1", "", "CURVE"].map { Array($0.utf8) } + [key], "400", ""),
            (
                ["1.0", "5", "d", "127.0.0.1", "", "CURVE"].map { Array($0.utf8) } + [[UInt8](repeating: 7, count: 32)],
                "400", ""
            ),
            (["1.0", "6", "d", "127.0.0.1", "", "CURVE"].map { Array($0.utf8) } + [key], "200", "known"),
        ]
        let client = try ZMQSocket(context: context, type: .request)
        try client.set(.receiveTimeout(milliseconds: 10_000))
        try client.connect(ZAPHandler.endpoint)
        for request in requests {
            try client.send(request.frames)
            let reply = try #require(try client.receive(), "no reply")
            #expect(reply.count == 6 && String(decoding: reply[0], as: UTF8.self) == "1.0")
            #expect(String(decoding: reply[2], as: UTF8.self) == request.status, "\(request.frames.prefix(6))")
            #expect(String(decoding: reply[4], as: UTF8.self) == request.userId)
        }
        client.close()
        context.shutdown()
        handler.wait()
    }

    @Test(
        "keygen's certificates load in pyzmq, pyzmq's load in the daemon; keygen never overwrites, its secret file is 0600"
    )
    func certificatesInterchange() throws {
        let keys = try Keys()
        let ours = try CurveCertificate.load(keys.secretCertificate("producer-a").path, secret: true)
        let loaded = try Self.python(["load", keys.secretCertificate("producer-a").path])
        let parsed = try JSONSerialization.jsonObject(with: Data(loaded.standardOutput.utf8)) as? [String: String]
        #expect(parsed?["public"] == ours.publicKey && parsed?["secret"] == ours.secretKey)
        #expect(ours.name == "producer-a")
        let theirs = try CurveCertificate.load(keys.secretCertificate("producer-py").path, secret: true)
        let theirsByPython = try Self.python(["load", keys.secretCertificate("producer-py").path])
        #expect(theirsByPython.standardOutput.contains(theirs.publicKey))
        let mode =
            try FileManager.default.attributesOfItem(atPath: keys.secretCertificate("server").path)[.posixPermissions]
            as? Int
        #expect(mode == 0o600)
        let again = try BuiltBinary.run([
            "keygen", "--output", keys.folder.appendingPathComponent("keys").path, "--name", "server",
        ])
        #expect(again.status != 0 && again.standardError.contains("not overwritten"))
        let printed = try BuiltBinary.run(["keygen", "--print", "--name", "shown"])
        #expect(
            printed.status == 0 && printed.standardOutput.contains("secret-key")
                && printed.standardOutput.contains("name = \"shown\""))
    }

    @Test("publish and alerts talk to a secured daemon with --curve-server-key and --curve-key")
    func toolsWithKeys() throws {
        let keys = try Keys()
        let daemon = try Daemon(keys)
        let server = keys.publicCertificate("server").path
        let watcher = try RunningDaemon([
            "alerts", "--connect", daemon.alerts, "--count", "1", "--json",
            "--curve-server-key", server, "--curve-key", keys.secretCertificate("sub-ok").path,
        ])
        _ = try watcher.waitForLog("subscribed to")
        let file = try ToolsTests.recording(rows: 1000, spikeAt: 800, in: keys.folder, name: "secured.csv")
        let published = try BuiltBinary.run([
            "publish", file.path, "--connect", daemon.input, "--batch", "50",
            "--curve-server-key", server, "--curve-key", keys.secretCertificate("producer-a").path,
        ])
        #expect(published.status == 0, "\(published.standardError)")
        let line = try watcher.waitForOutput(timeout: 60)
        let alert = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((alert["labels"] as? [String: Any])?["series"] as? String == "secured")
        let unkeyed = try BuiltBinary.run(["publish", file.path, "--connect", daemon.input, "--curve-key", server])
        #expect(unkeyed.status != 0 && unkeyed.standardError.contains("--curve-server-key"))
    }

    @Test("A plain-text bind on 0.0.0.0 is refused at start, naming the option that allows it")
    func plainTextOnTheNetworkRefused() throws {
        let refused = try BuiltBinary.run(["run", "--listen", "tcp://0.0.0.0:0", "--http", "off"])
        #expect(
            refused.status != 0 && refused.standardError.contains("allow_plaintext: true"), "\(refused.standardError)")
        let alerts = try BuiltBinary.run(["run", "--alerts", "tcp://0.0.0.0:0", "--http", "off"])
        #expect(
            alerts.status != 0 && alerts.standardError.contains("alerts_allow_plaintext: true"),
            "\(alerts.standardError)")
        let folder = try makeTemporaryFolder("plain")
        defer { try? FileManager.default.removeItem(at: folder) }
        let allowed = try writeFile(
            "allowed.yaml", in: folder,
            """
            inputs:
              - listen: ["tcp://0.0.0.0:5555"]
                allow_plaintext: true
            """)
        #expect(try BuiltBinary.run(["check-config", allowed.path]).status == 0)
    }
}
