import CZMQ
import Foundation

/// The socket types streamlstmd uses.
package enum ZMQSocketType {
    case publisher, subscriber, push, pull, pair
    /// REP: a ZAP handler's side of the authentication protocol; REQ: a client of it.
    case reply, request
    /// A publisher that also receives its subscribers' subscriptions, so a
    /// producer can wait until a subscriber has joined before it sends.
    case xpublisher

    package var code: Int32 {
        switch self {
        case .publisher: ZMQ_PUB
        case .subscriber: ZMQ_SUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        case .reply: ZMQ_REP
        case .request: ZMQ_REQ
        case .xpublisher: ZMQ_XPUB
        }
    }
}

/// One libzmq socket, used from one thread only.
///
/// libzmq sockets are not thread-safe. The first thread that uses the socket
/// (send, receive, bind, connect, option) becomes its owner; any other thread
/// that touches it afterwards traps, so the mistake is loud instead of a
/// memory corruption. The socket keeps its context alive, sets a bounded
/// linger so that closing never hangs on queued messages, retries `EINTR`,
/// and receives whole messages (every part, any size) with `zmq_msg_recv`.
package final class ZMQSocket {
    /// Linger used unless the caller sets another: long enough to flush a
    /// healthy peer, short enough that shutdown never waits on a dead one.
    package static let defaultLingerMilliseconds: Int32 = 200

    package let context: ZMQContext
    package let type: ZMQSocketType
    fileprivate var handle: UnsafeMutableRawPointer?
    private var owner: pthread_t?
    /// One message frame, reused for every part received (no allocation per part).
    private let frame: UnsafeMutablePointer<zmq_msg_t>
    /// With CURVE and ZAP: the user id ZAP gave the peer that sent the last message received.
    package private(set) var lastUserId: String?

    package init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.code) else { throw ZMQError.last("zmq_socket") }
        self.context = context
        self.type = type
        self.handle = handle
        frame = .allocate(capacity: 1)
        guard ZMQSocketOption.linger(milliseconds: Self.defaultLingerMilliseconds).apply(to: handle) == 0 else {
            let error = ZMQError.last("zmq_setsockopt(ZMQ_LINGER)")
            zmq_close(handle)
            frame.deallocate()
            throw error
        }
    }

    deinit {
        close()
        frame.deallocate()
    }

    /// Closes the socket (idempotent). Queued outbound messages get at most the linger time.
    package func close() {
        guard let handle else { return }
        checkOwner()
        zmq_close(handle)
        self.handle = nil
    }

    package func set(_ option: ZMQSocketOption) throws(ZMQError) {
        let socket = use()
        guard option.apply(to: socket) == 0 else { throw ZMQError.last("zmq_setsockopt(\(option.name))") }
    }

    /// Binds to `endpoint` as people type it (`ZMQEndpoint`: `HOST:PORT` is TCP, `localhost` is 127.0.0.1).
    package func bind(_ endpoint: String) throws(ZMQError) {
        let socket = use()
        let address = try Self.normalized(endpoint, binding: true, operation: "zmq_bind")
        guard zmq_bind(socket, address) == 0 else { throw ZMQError.last("zmq_bind(\(address))") }
    }

    /// Connects to `endpoint` as people type it (`ZMQEndpoint`: `HOST:PORT` is TCP).
    package func connect(_ endpoint: String) throws(ZMQError) {
        let socket = use()
        let address = try Self.normalized(endpoint, binding: false, operation: "zmq_connect")
        guard zmq_connect(socket, address) == 0 else { throw ZMQError.last("zmq_connect(\(address))") }
    }

    /// A text that is no endpoint is EINVAL, as libzmq would say, with what to write instead.
    private static func normalized(_ endpoint: String, binding: Bool, operation: String) throws(ZMQError) -> String {
        do throws(ZMQEndpoint.Problem) {
            return try ZMQEndpoint.normalized(endpoint, binding: binding)
        } catch {
            throw ZMQError(code: EINVAL, operation: "\(operation): \(error)")
        }
    }

    /// The endpoint last bound, with the port the system chose for `tcp://host:*`.
    package func lastEndpoint() throws(ZMQError) -> String {
        let socket = use()
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError.last("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends one message of `parts` frames. Returns false if `wait` is false
    /// and the message could not be queued now (`EAGAIN`); throws otherwise.
    @discardableResult
    package func send(_ parts: [[UInt8]], wait: Bool = true) throws(ZMQError) -> Bool {
        precondition(!parts.isEmpty, "a ZeroMQ message has at least one part")
        let socket = use()
        for (index, part) in parts.enumerated() {
            var flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
            if index < parts.count - 1 { flags |= ZMQ_SNDMORE }
            while true {
                let sent = part.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, flags) }
                if sent >= 0 { break }
                let error = ZMQError.last("zmq_send")
                if error.isInterrupted { continue }
                // Only the first part can fail with EAGAIN: later parts go with it atomically.
                if error.isWouldBlock && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one whole message, every part. Returns nil if `wait` is false
    /// (or a receive timeout is set) and nothing is there; throws `ETERM`
    /// when the context shuts down.
    package func receive(wait: Bool = true) throws(ZMQError) -> [[UInt8]]? {
        let socket = use()
        var parts: [[UInt8]] = []
        var more = true
        while more {
            zmq_msg_init(frame)
            defer { zmq_msg_close(frame) }
            // Later parts are already here once the first arrived: only the first may not wait.
            while zmq_msg_recv(frame, socket, wait || !parts.isEmpty ? 0 : ZMQ_DONTWAIT) < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.isInterrupted { continue }
                if error.isWouldBlock && parts.isEmpty { return nil }
                throw error
            }
            if parts.isEmpty { lastUserId = zmq_msg_gets(frame, "User-Id").map { String(cString: $0) } }
            let size = zmq_msg_size(frame)
            let data = zmq_msg_data(frame)!.assumingMemoryBound(to: UInt8.self)
            parts.append(Array(UnsafeBufferPointer(start: data, count: size)))
            more = zmq_msg_more(frame) != 0  // read before the part is closed
        }
        return parts
    }

    /// Receives message after message, handing each to `body`, until `limit` messages (nil: no limit)
    /// or the context shuts down; returns how many were handled. Errors but `ETERM` are thrown.
    @discardableResult
    package func receiveUntilShutdown(limit: Int? = nil, _ body: ([[UInt8]]) throws -> Void) throws -> Int {
        var handled = 0
        while limit.map({ handled < $0 }) ?? true {
            let message: [[UInt8]]
            do throws(ZMQError) {
                guard let next = try receive() else { continue }
                message = next
            } catch {
                if error.isTerminated { break }
                throw error
            }
            try body(message)
            handled += 1
        }
        return handled
    }

    /// Connection events a monitor can report.
    package enum MonitoredEvent: CaseIterable {
        case disconnected, handshakeSucceeded
        /// A peer that did not speak ZMTP, or sent a malformed handshake (garbage, a plain-text
        /// client at a CURVE server), or was refused by ZAP.
        case handshakeFailedNoDetail, handshakeFailedProtocol, handshakeFailedAuth

        package var bit: Int32 {
            switch self {
            case .disconnected: ZMQ_EVENT_DISCONNECTED
            case .handshakeSucceeded: ZMQ_EVENT_HANDSHAKE_SUCCEEDED
            case .handshakeFailedNoDetail: ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
            case .handshakeFailedProtocol: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
            case .handshakeFailedAuth: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
            }
        }

        /// The event of a monitor message's first frame (16-bit event number, then a 32-bit value).
        package init?(frame: [UInt8]) {
            guard frame.count >= 2 else { return nil }
            let number = Int32(frame[0]) | Int32(frame[1]) << 8
            guard let event = Self.allCases.first(where: { $0.bit == number }) else { return nil }
            self = event
        }
    }

    /// Waits up to `timeout` milliseconds (-1: forever) for any of `sockets` to have a message;
    /// returns which have. Throws `ETERM` once a socket's context shuts down.
    package static func poll(_ sockets: [ZMQSocket], timeout milliseconds: Int) throws(ZMQError) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.use(), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        while zmq_poll(&items, Int32(items.count), milliseconds) < 0 {
            let error = ZMQError.last("zmq_poll")
            if error.isInterrupted { continue }
            throw error
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }

    /// Has libzmq report `events` of this socket to a PAIR socket that
    /// connects to the address returned. Each event is two frames: a 16-bit
    /// event number and a 32-bit value, then the endpoint.
    package func startMonitor(_ events: [MonitoredEvent]) throws(ZMQError) -> String {
        let socket = use()
        let address = "inproc://monitor-\(UInt(bitPattern: socket))"
        guard zmq_socket_monitor(socket, address, events.reduce(0) { $0 | $1.bit }) == 0 else {
            throw ZMQError.last("zmq_socket_monitor")
        }
        return address
    }

    /// Connects, then waits until the connection has completed the ZeroMQ
    /// handshake (watched by libzmq's socket monitor, set up before the
    /// connect so the event cannot be missed), or `timeout` seconds pass.
    /// A subscriber for which this returns true has sent its subscriptions.
    package func connectAndWaitForHandshake(_ endpoint: String, timeout: Double) throws(ZMQError) -> Bool {
        let address = try startMonitor([.handshakeSucceeded])
        defer { zmq_socket_monitor(use(), nil, 0) }
        let monitor = try ZMQSocket(context: context, type: .pair)
        defer { monitor.close() }
        try monitor.set(.linger(milliseconds: 0))
        try monitor.set(.receiveTimeout(milliseconds: Int32(timeout * 1000)))
        try monitor.connect(address)
        try connect(endpoint)
        // Each event is two frames: 16-bit event number and 32-bit value, then the endpoint.
        return try monitor.receive() != nil
    }

    /// The open handle, after checking that this thread owns the socket.
    /// Use after close is a programmer error and traps.
    private func use() -> UnsafeMutableRawPointer {
        checkOwner()
        guard let handle else { preconditionFailure("a ZeroMQ socket was used after close") }
        return handle
    }

    private func checkOwner() {
        let current = pthread_self()
        if let owner {
            precondition(
                pthread_equal(owner, current) != 0,
                "a ZeroMQ socket was used from a thread that does not own it")
        } else {
            owner = current
        }
    }
}
