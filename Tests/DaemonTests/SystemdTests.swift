import Foundation
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// A datagram socket standing in for systemd's notify socket.
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(folder: URL) throws {
        path = folder.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, bound == 0 else { throw RunningDaemon.Failure("cannot bind \(path)") }
    }

    deinit { close(fd) }

    /// The next notification, or nil after `timeout` seconds.
    func next(timeout: Double = 10) -> String? {
        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }

    /// Notifications until one satisfies `done` (inclusive), or nil at the deadline.
    func collect(until done: (String) -> Bool, timeout: Double = 10) -> [String]? {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [String] = []
        while Date() < deadline, let message = next(timeout: max(0.01, deadline.timeIntervalSinceNow)) {
            seen.append(message)
            if done(message) { return seen }
        }
        return nil
    }
}

@Suite("systemd")
struct SystemdTests {
    @Test("install.sh installs the binary, units and config; systemd-analyze verify accepts every unit")
    func unitsVerify() throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(
            FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze missing: run scripts/setup.sh")
        let folder = try makeTemporaryFolder("units")
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let install = Process()
        install.executableURL = root.appendingPathComponent("deploy/install.sh")
        install.environment = ProcessInfo.processInfo.environment.merging([
            "PREFIX": folder.appendingPathComponent("prefix").path,
            "UNITDIR": folder.appendingPathComponent("units").path,
            "CONFDIR": folder.appendingPathComponent("etc").path, "BINARY": BuiltBinary.url.path,
        ]) { $1 }
        try install.run()
        install.waitUntilExit()
        #expect(install.terminationStatus == 0)
        let units = folder.appendingPathComponent("units")
        #expect(
            FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("prefix/bin/streamlstmd").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("etc/streamlstmd.yaml").path))
        // A template is verified as one of its instances.
        try FileManager.default.copyItem(
            at: units.appendingPathComponent("streamlstmd@.service"),
            to: units.appendingPathComponent("streamlstmd@0.service"))
        let verify = try BuiltBinary.run(
            [
                // The manual its Documentation= names comes with the package, not with install.sh:
                // the package's own test (make test-package) verifies the installed units with it.
                "verify", "--man=no", units.appendingPathComponent("streamlstmd.service").path,
                units.appendingPathComponent("streamlstmd@0.service").path,
            ],
            executable: URL(fileURLWithPath: analyze))
        #expect(verify.status == 0, "\(verify.standardError)")
        // It reports unknown keys and bad values only as warnings: there must be none about our units.
        #expect(!verify.standardError.contains("streamlstmd"), "\(verify.standardError)")
        let service = try String(contentsOf: units.appendingPathComponent("streamlstmd.service"), encoding: .utf8)
        for line in [
            "Type=notify", "WatchdogSec=", "StateDirectory=streamlstmd", "DynamicUser=yes", "Restart=on-failure",
            "TimeoutStopSec=", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
            "RestrictAddressFamilies=", "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(service.contains(line), "\(line)")
        }
    }

    @Test(
        "Notify protocol: READY, regular WATCHDOG, RELOADING/READY around SIGHUP, STOPPING, in order; reloads apply or are refused"
    )
    func notifyProtocol() throws {
        let folder = try makeTemporaryFolder("notify")
        defer { try? FileManager.default.removeItem(at: folder) }
        let listener = try NotifyListener(folder: folder)
        let config = try writeFile("streamlstmd.yaml", in: folder, "alerts:\n  fire_threshold: 0.5\n")
        let daemon = try RunningDaemon.onLoopback(
            ["--config", config.path, "--http", "off", "--state-dir", folder.appendingPathComponent("state").path],
            environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
        let ready = try #require(listener.collect(until: { $0.contains("READY=1") }))
        #expect(ready.count == 1, "READY=1 comes first: \(ready)")
        _ = try daemon.waitForLog("ready")
        // Keep-alives at half the watchdog period (0.2 s), with STATUS lines between them.
        var keepAlives = 0
        let beats = try #require(
            listener.collect(
                until: { message in
                    if message == "WATCHDOG=1" { keepAlives += 1 }
                    return keepAlives == 3
                }, timeout: 5))
        #expect(beats.contains { $0.hasPrefix("STATUS=0 series, ") })
        #expect(!beats.contains { $0.hasPrefix("READY=1") || $0.hasPrefix("STOPPING=1") })

        // A bad new config is refused and the old one stays.
        try "alerts:\n  fire_threshold: lots\n".write(to: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let refused = try #require(listener.collect(until: { $0.hasPrefix("READY=1") }))
        #expect(refused.contains { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
        _ = try daemon.waitForLog("fire_threshold: expected a number.*reload refused: the running configuration stays")

        // A good one: alert rules, the learning rate and the log level apply at once; a model change waits for a restart.
        try
            "log_level: debug\nalerts:\n  fire_threshold: 0.6\nmodel:\n  hidden_size: 8\ntraining:\n  learning_rate: 0.001\n"
            .write(to: config, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let reloaded = try #require(listener.collect(until: { $0.hasPrefix("READY=1") }))
        let reloading = try #require(reloaded.firstIndex { $0.hasPrefix("RELOADING=1") })
        #expect(reloading < reloaded.count - 1)
        _ = try daemon.waitForLog(
            #"after_restart=model.hidden_size applied="alerts.fire_threshold log_level training.learning_rate""#)
        #expect(daemon.process.isRunning)

        daemon.process.terminate()
        let stopping = try #require(listener.collect(until: { $0.hasPrefix("STOPPING=1") }))
        #expect(!stopping.contains { $0.hasPrefix("READY=1") })
        #expect(daemon.waitForExit(timeout: 10))
        #expect(daemon.process.terminationStatus == 0)
    }
}

@Suite("Signals at start")
struct EarlySignalTests {
    /// Whether the process ignores SIGHUP now, from its `SigIgn` mask in /proc.
    static func ignoresHangUp(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
            let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << (UInt64(SIGHUP) - 1)) != 0
    }

    /// A state directory whose checkpoint of `count` young series takes a while to restore: the daemon
    /// restores before it is ready, which gives a test a start phase of known length to act in.
    static func slowStateDirectory(count: Int) throws -> URL {
        let folder = try makeTemporaryFolder("slow-start")
        let bytes = CheckpointTests.fileBytes(CheckpointTests.snapshots(count: count, samples: 3))
        try Data(bytes).write(to: folder.appendingPathComponent("series.ckpt"))
        return folder
    }

    @Test("SIGHUP from the first instructions of run until ready does not end the daemon")
    func hangUpDuringStart() throws {
        let state = try Self.slowStateDirectory(count: 3000)
        defer { try? FileManager.default.removeItem(at: state) }
        let daemon = try RunningDaemon.onLoopback(["--http", "off", "--state-dir", state.path])
        let pid = daemon.process.processIdentifier
        // The earliest a reload could be handled: the disposition is set before anything is logged.
        let deadline = Date().addingTimeInterval(10)
        while !Self.ignoresHangUp(pid) && daemon.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.0005)  // polling /proc for a condition, bounded by the deadline
        }
        #expect(Self.ignoresHangUp(pid))
        // Restoring 3,000 series keeps the daemon from being ready for a good while after this.
        #expect(!daemon.log.contains("ready"), "SIGHUP was ignored only after the daemon was ready")
        var sent = 0
        while !daemon.log.contains("ready") && daemon.process.isRunning && Date() < deadline {
            daemon.signal(SIGHUP)
            sent += 1
            Thread.sleep(forTimeInterval: 0.002)  // spacing the signals, bounded by the deadline
        }
        _ = try daemon.waitForLog("ready")
        daemon.signal(SIGHUP)
        _ = try daemon.waitForLog("no configuration file to reload")  // run without --config
        print("early SIGHUP: \(sent) signals during start")
        #expect(sent > 0)
        #expect(try daemon.terminate().status == 0)
    }
}

@Suite("A part that dies")
struct ComponentFailureTests {
    @Test("An input whose receive fails ends the daemon with a non-zero status; systemd hears STOPPING, not READY")
    func deadInputEndsTheDaemon() throws {
        let folder = try makeTemporaryFolder("dead-input")
        defer { try? FileManager.default.removeItem(at: folder) }
        let listener = try NotifyListener(folder: folder)
        let daemon = try RunningDaemon.onLoopback(
            ["--http", "off"],
            environment: ["NOTIFY_SOCKET": listener.path, "STREAMLSTMD_FAULT_INPUT_AFTER": "3"])
        #expect(listener.collect(until: { $0.contains("READY=1") }) != nil)
        let endpoint = try daemon.waitForLog(#"endpoints=(tcp://127\.0\.0\.1:\d+)"#)
        let producer = try Producer(connect: endpoint)
        for t in 0..<10 { try producer.send("dies.soon \(t) \(1_700_000_000 + 60 * t)") }
        try #require(daemon.waitForExit(timeout: 20), "still running after its input died")
        #expect(daemon.process.terminationStatus != 0)
        let stopping = listener.collect(until: { $0.contains("STOPPING=1") }) ?? []
        #expect(
            !stopping.isEmpty && !stopping.dropLast().contains { $0.contains("READY=1") },
            "after the failure systemd must hear STOPPING and no READY: \(stopping)")
        #expect(
            daemon.log.contains("input stopped") && daemon.log.contains("a part of the daemon died"), "\(daemon.log)")
    }
}

@Suite("Limits at start")
struct DescriptorLimitTests {
    @Test("run raises its soft open-descriptor limit to the hard one")
    func raisesSoftLimit() throws {
        let command =
            "ulimit -Sn 256; exec '\(BuiltBinary.url.path)' run --listen 'tcp://127.0.0.1:*' "
            + "--alerts 'tcp://127.0.0.1:*' --http off --status-interval 0"
        let daemon = try RunningDaemon(["-c", command], executable: URL(fileURLWithPath: "/bin/sh"))
        _ = try daemon.waitForLog("ready")
        let limits = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/limits", encoding: .utf8)
        let fields =
            limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }?
            .split(separator: " ", omittingEmptySubsequences: true) ?? []
        // "Max open files <soft> <hard> files"
        #expect(fields.count >= 5 && fields[3] == fields[4] && fields[3] != "256", "\(fields)")
        #expect(try daemon.terminate().status == 0)
    }
}
