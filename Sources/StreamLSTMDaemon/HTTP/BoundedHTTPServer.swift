import Foundation
import Logging

/// A small HTTP/1.1 server for the daemon's loopback endpoints, bounded in
/// what any client can cost: a request's head may be at most `headerBytes`
/// and must arrive within `requestSeconds`, at most `connections` are open
/// at once (past that the oldest waiting one is closed for the newcomer, so
/// neither the backlog nor the slots fill with silent clients), and no
/// accept error ends it (out of descriptors, it stops accepting for a
/// moment). One thread polls every socket; cheap routes
/// answer on it, slow ones (`Route.slow`) on a worker queue, so `/healthz`
/// answers whatever else clients do. One request per connection. A request
/// may carry a body of at most `bodyBytes`, announced by `Content-Length`
/// (no chunked encoding: the daemon's own commands and curl send a length).
package final class BoundedHTTPServer: @unchecked Sendable {
    package struct Limits: Sendable {
        package var headerBytes = 16 << 10
        package var bodyBytes = 64 << 10
        package var connections = 256
        package var requestSeconds = 5.0
    }

    package struct Response: Sendable {
        package var status: Int
        package var contentType = "text/plain; charset=utf-8"
        package var body: [UInt8]

        package static func text(_ status: Int, _ text: String) -> Response {
            Response(status: status, body: Array(text.utf8))
        }
    }

    /// What a route is given: the query's parameters and the body (empty for GET).
    package struct Request: Sendable {
        package var query: [String: String]
        package var body: [UInt8]
    }

    package struct Route: Sendable {
        /// `GET` (which answers `HEAD` too), `POST` or `DELETE`.
        package let method: String
        package let path: String
        /// Answered on a worker queue rather than the polling thread.
        package let slow: Bool
        package let respond: @Sendable (_ request: Request) -> Response

        package init(
            method: String = "GET", path: String, slow: Bool,
            respond: @escaping @Sendable (_ request: Request) -> Response
        ) {
            self.method = method
            self.path = path
            self.slow = slow
            self.respond = respond
        }
    }

    /// `a=1&b=x%20y` → ["a": "1", "b": "x y"] (`+` is a space; the first of a repeated name counts).
    package static func queryParameters(_ query: Substring) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { continue }
            if parameters[name] == nil { parameters[name] = value }
        }
        return parameters
    }

    package let address: String
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    /// By path, then by method.
    private let routes: [String: [String: Route]]

    /// Every method and path served, sorted (for the help that lists them).
    package var served: [(method: String, path: String)] {
        routes.flatMap { path, byMethod in byMethod.keys.map { (method: $0, path: path) } }
            .sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }
    private let limits: Limits
    private let logger: Logger
    private let workers = DispatchQueue(label: "streamlstmd.http", attributes: .concurrent)
    private let poller = Protected<OwnedThread<Void>?>(nil)
    /// Connections handed to a worker and not yet closed; they count against the limit.
    private let handedOff = Protected(0)

    private struct Client {
        package let fd: Int32
        /// The request as read so far: its head, then its body.
        package var head: [UInt8] = []
        /// Where the head ends and what it says, once it has all arrived (the body may still be coming).
        package var headEnd: Int?
        package var parsedHead: ParsedHead?
        package let deadline: Double
    }

    package init(
        host: String, port: UInt16, routes: [Route], limits: Limits = Limits(), logger: Logger
    ) throws(HTTPServerError) {
        var bind = sockaddr_in()
        bind.sin_family = sa_family_t(AF_INET)
        bind.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &bind.sin_addr) == 1 else {
            throw .notIPv4(host)
        }
        let fd = socket(
            AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(.last("socket", "\(host):\(port)")) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &bind) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let failure = SystemCallError.last(bound == 0 ? "listen" : "bind", "\(host):\(port)")
            close(fd)
            throw .system(failure)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        address = "\(host):\(UInt16(bigEndian: actual.sin_port))"
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            let failure = SystemCallError.last("pipe", "\(host):\(port)")
            close(fd)
            throw .system(failure)
        }
        for end in pipeEnds { Self.makeNonBlocking(end) }
        listener = fd
        wake = (pipeEnds[0], pipeEnds[1])
        self.routes = Dictionary(grouping: routes, by: \.path).mapValues { sameRoute in
            Dictionary(sameRoute.map { ($0.method, $0) }, uniquingKeysWith: { first, _ in first })
        }
        self.limits = limits
        self.logger = logger
    }

    /// Serves on a thread of its own until `stop()`.
    package func start() {
        poller.withLock { $0 = OwnedThread(name: "http") { [self] in loop() } }
    }

    /// Stops the polling thread and closes every connection it holds; waits for it.
    package func stop() {
        guard let running = poller.withLock({ $0 }) else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        running.join()
        poller.withLock { $0 = nil }
    }

    private static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Non-blocking, and closed in any child a process might start.
    private static func makeNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    }

    private func loop() {
        var clients: [Client] = []
        var acceptAgainAt = 0.0
        var log = RateLimiter(interval: 10)
        var readBuffer = [UInt8](repeating: 0, count: 4096)  // one for every read
        defer {
            for client in clients { close(client.fd) }
            close(listener)
            close(wake.read)
            close(wake.write)
        }
        while true {
            let now = Self.now
            clients.removeAll { client in
                guard client.deadline <= now else { return false }
                close(client.fd)  // too slow: a request must arrive whole within its time
                return true
            }
            let accepting = now >= acceptAgainAt
            var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if accepting { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            fds += clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let nearest = clients.map(\.deadline).min() ?? now + 1
            let wait = max(0, min(nearest, accepting ? now + 1 : acceptAgainAt) - now)
            let ready = poll(&fds, nfds_t(fds.count), Int32(wait * 1000) + 1)
            if ready < 0 && errno != EINTR && log.allows() {
                logger.error("http: poll failed", metadata: ["errno": "\(errno)"])
            }
            guard ready > 0 else { continue }
            if fds[0].revents != 0 { return }
            var index = 1
            if accepting {
                if fds[1].revents != 0 {
                    acceptAll(into: &clients, now: now, acceptAgainAt: &acceptAgainAt, log: &log)
                }
                index = 2
            }
            var done: Set<Int32> = []
            for pollIndex in index..<fds.count where fds[pollIndex].revents != 0 {
                let clientIndex = pollIndex - index
                if serve(&clients[clientIndex], buffer: &readBuffer) { done.insert(clients[clientIndex].fd) }
            }
            if !done.isEmpty { clients.removeAll { done.contains($0.fd) } }
        }
    }

    private func acceptAll(
        into clients: inout [Client], now: Double, acceptAgainAt: inout Double, log: inout RateLimiter
    ) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd >= 0 { Self.makeNonBlocking(fd) }
            if fd < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED { return }
                // Out of descriptors (EMFILE, ENFILE) or another error: never fatal, try again shortly.
                if log.allows() { logger.warning("http: accept failed; pausing", metadata: ["errno": "\(errno)"]) }
                acceptAgainAt = now + 0.1
                return
            }
            if clients.count + handedOff.withLock({ $0 }) >= limits.connections {
                // At the limit the oldest waiting connection makes room: a client that is slow or
                // silent loses its place to one that may have its request ready (a health check).
                guard !clients.isEmpty else {
                    close(fd)
                    continue
                }
                close(clients.removeFirst().fd)
            }
            clients.append(Client(fd: fd, deadline: now + limits.requestSeconds))
        }
    }

    /// Reads what arrived; true once the connection is finished with (answered, handed off or closed).
    private func serve(_ client: inout Client, buffer: inout [UInt8]) -> Bool {
        let count = read(client.fd, &buffer, buffer.count)
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return false }
        guard count > 0 else {
            close(client.fd)
            return true
        }
        let searchFrom = max(0, client.head.count - 3)
        client.head += buffer[0..<count]
        let end = client.headEnd ?? Self.endOfHead(client.head, from: searchFrom)
        guard (end ?? client.head.count) <= limits.headerBytes else {
            reply(client.fd, .text(431, "request header fields too large\n"))
            return true
        }
        guard let end else { return false }
        client.headEnd = end
        let parsed: ParsedHead
        if let known = client.parsedHead {
            parsed = known
        } else {
            switch Self.parseHead(client.head[..<end], bodyLimit: limits.bodyBytes) {
            case .failure(let refusal):
                reply(client.fd, refusal.response)
                return true
            case .success(let head): parsed = head
            }
            client.parsedHead = parsed
        }
        guard client.head.count >= end + parsed.bodyLength else { return false }  // the body is still coming
        guard let sameRoute = routes[parsed.path] else {
            reply(client.fd, .text(404, "not found\n"))
            return true
        }
        guard let route = sameRoute[parsed.method == "HEAD" ? "GET" : parsed.method] else {
            let allowed = sameRoute.keys.sorted().joined(separator: ", ")
            reply(client.fd, .text(405, "method not allowed: \(parsed.path) takes \(allowed)\n"))
            return true
        }
        let request = Request(query: parsed.query, body: Array(client.head[end..<(end + parsed.bodyLength)]))
        if route.slow {
            let fd = client.fd
            handedOff.withLock { $0 += 1 }
            workers.async { [self] in
                reply(fd, route.respond(request), blocking: true)
                handedOff.withLock { $0 -= 1 }
            }
        } else {
            reply(client.fd, route.respond(request))
        }
        return true
    }

    private struct ParsedHead {
        package var method: String
        package var path: String
        package var query: [String: String]
        package var bodyLength: Int
    }

    /// The request line and the body's length from a whole head; a refusal when either is wrong.
    private static func parseHead(_ head: ArraySlice<UInt8>, bodyLimit: Int) -> Result<ParsedHead, Refusal> {
        let lines = head.split(separator: UInt8(ascii: "\n")).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3 else { return .failure(Refusal(.text(400, "bad request\n"))) }
        let method = String(parts[0])
        guard ["GET", "HEAD", "POST", "DELETE"].contains(method) else {
            return .failure(Refusal(.text(405, "method not allowed\n")))
        }
        var bodyLength: Int?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "transfer-encoding" {
                return .failure(Refusal(.text(411, "send the body with a Content-Length\n")))
            }
            if name == "content-length" {
                guard let length = Int(value), length >= 0 else {
                    return .failure(Refusal(.text(400, "bad Content-Length\n")))
                }
                guard length <= bodyLimit else {
                    return .failure(Refusal(.text(413, "request body over \(bodyLimit) bytes\n")))
                }
                // Two lengths that differ: which one frames the body is ambiguous (request smuggling).
                guard bodyLength == nil || bodyLength == length else {
                    return .failure(Refusal(.text(400, "two different Content-Length headers\n")))
                }
                bodyLength = length
            }
        }
        let target = String(parts[1])
        return .success(
            ParsedHead(
                method: method, path: String(target.prefix { $0 != "?" }),
                query: queryParameters(target.drop { $0 != "?" }.dropFirst()), bodyLength: bodyLength ?? 0))
    }

    /// An answer that ends a request before any route sees it.
    private struct Refusal: Error {
        package let response: Response
        package init(_ response: Response) { self.response = response }
    }

    /// The index just past `\r\n\r\n`, searching from `start` (so a head read in pieces is scanned once).
    private static func endOfHead(_ bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var i = start
        while i + 3 < bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    /// Writes the whole response and closes the connection. From a worker the socket is made
    /// blocking with a send timeout; on the polling thread a client too slow to take a short
    /// answer loses the rest of it.
    private func reply(_ fd: Int32, _ response: Response, blocking: Bool = false) {
        if blocking {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        let head =
            "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\nContent-Type: \(response.contentType)\r\n"
            + "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + response.body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(fd)
    }
}

/// Why the HTTP server could not start.
package enum HTTPServerError: Error, Equatable, CustomStringConvertible {
    /// The host is not an IPv4 address (names are resolved before, by `HTTPAddress`).
    case notIPv4(String)
    /// A socket call failed (`EADDRINUSE`: the port is taken; `EACCES`: a port below 1024).
    case system(SystemCallError)

    package var description: String {
        switch self {
        case .notIPv4(let host): "not an IPv4 address: \(host)"
        case .system(let failure): "\(failure)"
        }
    }
}
