import Foundation
import Logging
import StreamLSTMTesting
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// Requests with bodies (`POST /feedback`, `POST /silences`) on the bounded server, in process.
@Suite("HTTP request bodies")
struct HTTPBodyTests {
    /// A server whose `POST /echo` answers the body it was given, and whose `GET /echo` answers "get".
    static func echoServer() throws -> BoundedHTTPServer {
        var limits = BoundedHTTPServer.Limits()
        limits.bodyBytes = 1024
        let server = try BoundedHTTPServer(
            host: "127.0.0.1", port: 0,
            routes: [
                .init(method: "POST", path: "/echo", slow: false) { request in
                    .init(status: 200, body: request.body)
                },
                .init(path: "/echo", slow: true) { _ in .text(200, "get") },
            ], limits: limits, logger: Logger(label: "test"))
        server.start()
        return server
    }

    @Test("A body in pieces reaches the route whole; GET and POST of one path reach their own routes")
    func bodyInPieces() throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let answer = HTTPTests.exchange(
            server.address,
            ["POST /echo HTTP/1.1\r\nHost: t\r\ncontent-length: 11\r\n\r\nhello", " world"])
        #expect(answer.status == 200 && answer.body == "hello world")
        let get = HTTPTests.exchange(server.address, ["GET /echo HTTP/1.1\r\nHost: t\r\n\r\n"])
        #expect(get.status == 200 && get.body == "get")
    }

    @Test("A body over the limit is refused with 413, chunked with 411, a method the path lacks with 405")
    func refusals() throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let large = HTTPTests.exchange(server.address, ["POST /echo HTTP/1.1\r\nContent-Length: 1025\r\n\r\n"])
        #expect(large.status == 413)
        let chunked = HTTPTests.exchange(
            server.address, ["POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"])
        #expect(chunked.status == 411)
        let delete = HTTPTests.exchange(server.address, ["DELETE /echo HTTP/1.1\r\n\r\n"])
        #expect(delete.status == 405 && delete.body.contains("GET, POST"))
        let bad = HTTPTests.exchange(server.address, ["POST /echo HTTP/1.1\r\nContent-Length: -3\r\n\r\n"])
        #expect(bad.status == 400)
        let unknown = HTTPTests.exchange(server.address, ["PUT /echo HTTP/1.1\r\n\r\n"])
        #expect(unknown.status == 405)
        let twoLengths = HTTPTests.exchange(
            server.address, ["POST /echo HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nhello"])
        #expect(twoLengths.status == 400)
    }
}
