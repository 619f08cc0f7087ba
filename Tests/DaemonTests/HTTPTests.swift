import Foundation
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The built daemon's HTTP under clients that misbehave, over raw loopback sockets.
@Suite("HTTP under hostile local clients")
struct HTTPTests {
    /// A connected TCP socket to `address` (`host:port`), or -1.
    static func connectTo(_ address: String) -> Int32 {
        let parts = address.split(separator: ":")
        var peer = sockaddr_in()
        peer.sin_family = sa_family_t(AF_INET)
        peer.sin_port = UInt16(parts[1])!.bigEndian
        inet_pton(AF_INET, String(parts[0]), &peer.sin_addr)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if connected != 0 { close(fd) }
        return connected == 0 ? fd : -1
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// The status line's code of `GET path` and the seconds the exchange took (a 5 s receive timeout).
    static func get(_ address: String, _ path: String) -> (status: Int?, seconds: Double) {
        let start = Date()
        let status = exchange(address, ["GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n"]).status
        return (status, Date().timeIntervalSince(start))
    }

    /// Sends `pieces` one after another (each a separate write) and reads the answer: its status and
    /// body (nil and empty when no connection was made; a 5 s receive timeout).
    static func exchange(_ address: String, _ pieces: [String]) -> (status: Int?, body: String) {
        let fd = connectTo(address)
        guard fd >= 0 else { return (nil, "") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        for piece in pieces { send(fd, Array(piece.utf8)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let line = text.prefix { $0 != "\r" }.split(separator: " ")
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (line.count >= 2 ? Int(line[1]) : nil, body)
    }

    @Test(
        "A 1 MB header, 50 slow clients and 1,100 idle connections: /healthz answers within 1 s, SIGTERM stops it in 2 s"
    )
    func hostileClients() throws {
        // This process holds the idle connections: it needs the descriptors too.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        try #require(limit.rlim_cur > 1300, "the hard descriptor limit \(limit.rlim_max) is too low for this test")

        let daemon = try RunningDaemon.onLoopback(["--http", "127.0.0.1:0"])
        let http = try daemon.waitForLog(#"http on (127\.0\.0\.1:\d+)"#)
        _ = try daemon.waitForLog("ready")
        #expect(Self.get(http, "/healthz").status == 200)

        // A header of 1 MB: refused once it passes 16 KiB, and nobody else waits for it.
        let big = Self.connectTo(http)
        let sender = Thread {
            Self.send(big, Array("GET /healthz HTTP/1.1\r\nX-Big: ".utf8) + [UInt8](repeating: 97, count: 1 << 20))
        }
        sender.start()
        let duringBig = Self.get(http, "/healthz")
        var answer = [UInt8](repeating: 0, count: 64)
        let n = recv(big, &answer, answer.count, 0)
        #expect(String(decoding: answer.prefix(max(n, 0)), as: UTF8.self).hasPrefix("HTTP/1.1 431"))
        close(big)

        // 50 clients that send a request a byte at a time, and then nothing.
        let slow = (0..<50).map { _ in Self.connectTo(http) }
        for fd in slow { Self.send(fd, Array("GET /hea".utf8)) }
        let duringSlow = Self.get(http, "/healthz")

        // 1,100 connections that say nothing at all, past the server's limit of 256.
        let idle = (0..<1100).map { _ in Self.connectTo(http) }
        let duringIdle = Self.get(http, "/healthz")
        let readyDuringIdle = Self.get(http, "/readyz")
        print(
            "healthz: \(duringBig.seconds) s during the big header, \(duringSlow.seconds) s beside 50 slow clients, "
                + "\(duringIdle.seconds) s beside \(idle.filter { $0 >= 0 }.count) idle connections")
        for outcome in [duringBig, duringSlow, duringIdle, readyDuringIdle] {
            #expect(outcome.status == 200 && outcome.seconds < 1, "\(outcome)")
        }
        #expect(daemon.process.isRunning)
        let (status, seconds) = try daemon.terminate()
        #expect(status == 0 && seconds < 2, "stopped with \(status) after \(seconds) s")
        for fd in slow + idle where fd >= 0 { close(fd) }
    }
}
