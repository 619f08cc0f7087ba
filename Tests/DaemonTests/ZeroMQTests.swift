import Foundation
import StreamLSTM
import StreamLSTMTesting
import Synchronization
import Testing
import ZeroMQ

@testable import StreamLSTMDaemon
@testable import StreamLSTMTools

/// The ZeroMQ wrapper over real libzmq sockets: inproc and loopback TCP,
/// ports chosen by the system, every wait bounded by a deadline.
@Suite("ZeroMQ wrapper")
struct ZeroMQTests {
    @Test("A multipart message arrives whole: empty, tiny and 1 MiB parts, in order")
    func multipartRoundTrip() throws {
        let context = try ZMQContext()
        let receiver = try ZMQSocket(context: context, type: .pull)
        try receiver.bind("inproc://round-trip")
        let sender = try ZMQSocket(context: context, type: .push)
        try sender.connect("inproc://round-trip")
        var rng = SplitMix64(seed: 13)
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let parts: [[UInt8]] = [Array("metrics".utf8), [], [42], big]
        try sender.send(parts)
        try receiver.set(.receiveTimeout(milliseconds: 5000))
        #expect(try receiver.receive() == parts)
        #expect(try receiver.receive(wait: false) == nil)  // exactly one message, nothing after it
    }

    @Test("Endpoints as people type them: HOST:PORT is TCP, a bound localhost is 127.0.0.1, and nonsense names the fix")
    func endpointsAsTyped() throws {
        #expect(try ZMQEndpoint.normalized("127.0.0.1:5555", binding: true) == "tcp://127.0.0.1:5555")
        #expect(try ZMQEndpoint.normalized("tcp://localhost:5555", binding: true) == "tcp://127.0.0.1:5555")
        #expect(try ZMQEndpoint.normalized("tcp://localhost:5555", binding: false) == "tcp://localhost:5555")
        #expect(try ZMQEndpoint.normalized("*:*", binding: true) == "tcp://*:*")
        #expect(try ZMQEndpoint.normalized("ipc:///run/x.sock", binding: true) == "ipc:///run/x.sock")
        for bad in ["5555", "localhost", "host:port", "host:70000", ":5555", "tcp://nohost"] {
            #expect(throws: ZMQEndpoint.Problem(text: bad)) { try ZMQEndpoint.normalized(bad, binding: false) }
        }
        #expect(ZMQEndpoint.Problem(text: "x").description.contains("tcp://HOST:PORT or HOST:PORT"))

        // Through real sockets: bound to localhost with a port the system picks, reached by HOST:PORT.
        let context = try ZMQContext()
        defer { context.shutdown() }
        let receiver = try ZMQSocket(context: context, type: .pull)
        defer { receiver.close() }
        try receiver.bind("localhost:*")
        let bound = try receiver.lastEndpoint()
        #expect(bound.hasPrefix("tcp://127.0.0.1:"))
        let sender = try ZMQSocket(context: context, type: .push)
        defer { sender.close() }
        try sender.set(.linger(milliseconds: 0))
        try sender.connect(String(bound.dropFirst("tcp://".count)))
        try sender.send([Array("hello".utf8)])
        try receiver.set(.receiveTimeout(milliseconds: 5000))
        #expect(try receiver.receive() == [Array("hello".utf8)])
        #expect {
            try sender.connect("not an endpoint")
        } throws: { error in
            (error as? ZMQError)?.code == EINVAL && "\(error)".contains("tcp://HOST:PORT")
        }
    }

    @Test("Context shutdown unblocks a receive blocked on another thread with ETERM")
    func shutdownUnblocksReceive() throws {
        let context = try ZMQContext()
        let ready = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let outcome = Mutex<ZMQError?>(nil)
        let thread = Thread {
            do {
                let subscriber = try ZMQSocket(context: context, type: .subscriber)
                try subscriber.set(.subscribe(prefix: []))
                try subscriber.connect("inproc://nobody-publishes-here")
                ready.signal()
                _ = try subscriber.receive()
            } catch let error as ZMQError {
                outcome.withLock { $0 = error }
            } catch {}
            finished.signal()
        }
        thread.start()
        #expect(ready.wait(timeout: .now() + 5) == .success)
        context.shutdown()
        #expect(finished.wait(timeout: .now() + 5) == .success, "receive still blocked after shutdown")
        #expect(outcome.withLock { $0?.isTerminated } == true)
    }

    @Test("A subscriber reconnects after its publisher restarts on the same endpoint")
    func subscriberReconnects() throws {
        let context = try ZMQContext()
        var publisher = try ZMQSocket(context: context, type: .publisher)
        try publisher.bind("tcp://127.0.0.1:*")
        let endpoint = try publisher.lastEndpoint()
        let subscriber = try ZMQSocket(context: context, type: .subscriber)
        try subscriber.set(.reconnectInterval(milliseconds: 20))
        try subscriber.set(.reconnectIntervalMax(milliseconds: 100))
        try subscriber.set(.receiveTimeout(milliseconds: 20))
        try subscriber.set(.subscribe(prefix: Array("m".utf8)))
        try subscriber.connect(endpoint)

        #expect(try deliver(["m", "before"], from: publisher, to: subscriber))
        publisher.close()
        publisher = try ZMQSocket(context: context, type: .publisher)
        try bindWithRetry(publisher, endpoint)
        #expect(try deliver(["m", "after"], from: publisher, to: subscriber))
    }

    @Test("Linger bounds shutdown when queued messages have nowhere to go")
    func lingerBoundsShutdown() throws {
        // A TCP listener that never speaks ZeroMQ: connections complete, handshakes never do,
        // so the messages stay queued. Held open, so no other test can take its port meanwhile.
        let silent = try SilentListener()
        defer { silent.close() }
        let deadEndpoint = "tcp://127.0.0.1:\(silent.port)"

        let finished = DispatchSemaphore(value: 0)
        let elapsed = Mutex<Double>(.nan)
        let thread = Thread {
            do {
                var context: ZMQContext? = try ZMQContext()
                var pusher: ZMQSocket? = try ZMQSocket(context: context!, type: .push)
                try pusher!.set(.linger(milliseconds: 150))
                try pusher!.connect(deadEndpoint)
                for k in 0..<10 { try pusher!.send([[UInt8(k)]], wait: false) }
                let start = Date()
                pusher = nil  // close: the queued messages may hold it for the linger time only
                context = nil  // zmq_ctx_term waits for that linger, then returns
                elapsed.withLock { $0 = Date().timeIntervalSince(start) }
            } catch {}
            finished.signal()
        }
        thread.start()
        #expect(finished.wait(timeout: .now() + 10) == .success, "shutdown hung on queued messages")
        let seconds = elapsed.withLock { $0 }
        #expect(seconds >= 0.1 && seconds < 9, "termination took \(seconds) s with a linger of 0.15 s")
    }

    @Test("Using a socket after close traps instead of corrupting memory")
    func useAfterCloseTraps() async {
        await #expect(processExitsWith: .failure) {
            let context = try ZMQContext()
            let socket = try ZMQSocket(context: context, type: .pull)
            socket.close()
            try socket.bind("inproc://closed")
        }
    }

    @Test("Errors keep their errno and name the call")
    func errorsKeepErrno() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .pull)
        // Not an endpoint: refused before libzmq sees it, as libzmq would refuse it, with what to write instead.
        #expect(
            throws: ZMQError(code: EINVAL, operation: "zmq_bind: \(ZMQEndpoint.Problem(text: "not-an-endpoint"))")
        ) {
            try socket.bind("not-an-endpoint")
        }
        #expect(throws: ZMQError(code: EINVAL, operation: "zmq_bind(ipc://)")) { try socket.bind("ipc://") }
        let other = try ZMQSocket(context: context, type: .pull)
        try other.bind("inproc://taken")
        #expect(throws: ZMQError(code: EADDRINUSE, operation: "zmq_bind(inproc://taken)")) {
            try socket.bind("inproc://taken")
        }
    }

    /// Publishes `message` until the subscriber has it (PUB/SUB drops what is
    /// sent before the subscription reaches the publisher), within 5 s.
    private func deliver(_ message: [String], from publisher: ZMQSocket, to subscriber: ZMQSocket) throws -> Bool {
        let parts = message.map { Array($0.utf8) }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            try publisher.send(parts)
            if let received = try subscriber.receive(), received == parts { return true }
        }
        return false
    }

    /// The old listener's port can take a moment to be free again.
    private func bindWithRetry(_ socket: ZMQSocket, _ endpoint: String) throws {
        let deadline = Date().addingTimeInterval(5)
        while true {
            do throws(ZMQError) {
                try socket.bind(endpoint)
                return
            } catch {
                guard error.code == EADDRINUSE, Date() < deadline else { throw error }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }
}
