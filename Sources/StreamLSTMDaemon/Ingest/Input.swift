import Foundation
import Logging
import Metrics
import StreamLSTMVocabulary
import ZeroMQ

/// One input: a SUB socket that binds or connects to endpoints, with its
/// subscriptions and payload format.
package struct InputConfig: Equatable, Sendable {
    package enum Mode: String, Sendable {
        /// Bind: producers connect their PUB to us.
        case listen
        /// Connect to a producer's bound PUB.
        case connect
    }

    package var mode: Mode
    package var endpoints: [String]
    package var subscriptions: [String] = [""]
    package var format: PayloadFormat = .auto
    package var influxPrecision: InfluxParser.Precision = .nanoseconds
    /// Larger messages are dropped and counted (`oversized_message`).
    package var maxMessageBytes: Int = 16 << 20
    package var maxKeyLength: Int = 1024
    package var acceptOutOfOrder = false
    /// A listening input as a CURVE server, or plain text.
    package var curve = CurveServerConfig()
    /// Plain text on an address other than loopback, which is refused unless this says so.
    package var allowPlaintext = false

    package init(mode: Mode, endpoints: [String]) {
        self.mode = mode
        self.endpoints = endpoints
    }

    /// How alerts name it: `input tcp://127.0.0.1:5555`.
    package var name: String { "input " + endpoints.joined(separator: ",") }
}

/// The ingest thread of one input: receives messages, parses them, routes the
/// samples to its sink, counts what it rejects and says so in the log at a
/// limited rate. It runs until its context shuts down, or until receiving fails.
package final class Input: Sendable {
    package let config: InputConfig
    /// The endpoints actually bound (with the ports chosen for `:*`), or connected.
    package let endpoints: [String]
    /// Ends with nil when the context shuts down, or with the error that stopped receiving.
    private let receiver: OwnedThread<ZMQError?>
    private let monitor: Protected<OwnedThread<Void>?>

    /// Binds or connects (on the input's own thread, the socket's owner) before returning,
    /// so that a bad endpoint fails the start instead of a thread.
    /// `sink`: where parsed samples and rejections go; `metrics`: the input's counters (messages,
    /// producers, disconnects, failed handshakes); `curve`: this input as a CURVE server (the ZAP
    /// handler is bound in `context` already).
    package init(
        config: InputConfig, context: ZMQContext, sink: any SampleSink, metrics: DaemonMetrics?,
        curve: CurveSecurity.Server? = nil, logger: Logger
    ) throws(ZMQError) {
        self.config = config
        let monitor = Protected<OwnedThread<Void>?>(nil)
        self.monitor = monitor
        (receiver, endpoints) = try OwnedThread.started(name: "input") {
            (ready: (Result<[String], ZMQError>) -> Void) in
            let socket: ZMQSocket
            do throws(ZMQError) {
                socket = try ZMQSocket(context: context, type: .subscriber)
                // libzmq drops the connection that sends a frame over the limit before any of it
                // is read; the monitor counts those disconnects.
                try socket.set(.maxMessageSize(bytes: Int64(config.maxMessageBytes)))
                if config.mode == .listen {
                    // Facing the network: a peer gets 10 s for its handshake, and one that goes silent
                    // is dropped after 30 s without an answer to the heartbeat.
                    try socket.set(.handshakeInterval(milliseconds: 10_000))
                    try socket.set(.heartbeatInterval(milliseconds: 10_000))
                    try socket.set(.heartbeatTimeout(milliseconds: 30_000))
                }
                if let curve { try curve.install(on: socket) }
                let monitorAddress = try socket.startMonitor([
                    .disconnected, .handshakeFailedNoDetail, .handshakeFailedProtocol,
                ])
                monitor.withLock {
                    $0 = Self.startMonitor(monitorAddress, context: context, metrics: metrics, logger: logger)
                }
                try socket.set(.receiveHighWaterMark(100_000))
                try socket.set(.reconnectInterval(milliseconds: 100))
                try socket.set(.reconnectIntervalMax(milliseconds: 5000))
                for prefix in config.subscriptions { try socket.set(.subscribe(prefix: Array(prefix.utf8))) }
                var endpoints: [String] = []
                for endpoint in config.endpoints {
                    switch config.mode {
                    case .listen:
                        try socket.bind(endpoint)
                        endpoints.append(try socket.lastEndpoint())
                    case .connect:
                        try socket.connect(endpoint)
                        endpoints.append(endpoint)
                    }
                }
                ready(.success(endpoints))
            } catch {
                ready(.failure(error))
                return nil
            }
            defer { socket.close() }
            guard
                let error = Self.receiveLoop(
                    socket: socket, config: config, sink: sink, metrics: metrics, logger: logger)
            else {
                return nil
            }
            logger.critical(
                "input stopped",
                metadata: ["error": "\(error)", "endpoints": "\(config.endpoints.joined(separator: " "))"])
            return error
        }
    }

    /// Counts the disconnects of this input's producers, until the context shuts down.
    private static func startMonitor(
        _ address: String, context: ZMQContext, metrics: DaemonMetrics?,
        logger: Logger
    ) -> OwnedThread<Void> {
        OwnedThread(name: "input-monitor") {
            guard let monitor = try? ZMQSocket(context: context, type: .pair) else { return }
            defer { monitor.close() }
            guard (try? monitor.set(.linger(milliseconds: 0))) != nil, (try? monitor.connect(address)) != nil else {
                return
            }
            var log = RateLimiter(interval: 10)
            var unlogged = 0
            var handshakeLog = RateLimiter(interval: 10)
            while let event = try? monitor.receive() {
                guard event.count == 2, let kind = ZMQSocket.MonitoredEvent(frame: event[0]) else { continue }
                let endpoint = String(decoding: event[1], as: UTF8.self)
                guard kind == .disconnected else {
                    // A plain-text client at a CURVE socket, or a bad handshake: refused before ZAP is asked.
                    // (A peer that never speaks ZMTP at all, such as garbage, is only a dropped connection.)
                    Self.countProtocolError(metrics: metrics, logger: logger, endpoint: endpoint, log: &handshakeLog)
                    continue
                }
                // A producer that finishes (every `publish` does) ends its connection: normal, so info. The
                // monitor names the input's own endpoint, not the producer's address.
                metrics?.inputDisconnects.increment()
                unlogged += 1
                guard log.allows() else { continue }
                logger.info(
                    "producer disconnected (a message over max_message_bytes also ends a connection)",
                    metadata: ["endpoint": "\(endpoint)", "count": "\(unlogged)"])
                unlogged = 0
            }
        }
    }

    /// Waits for the input's threads, which end when the context shuts down; returns the
    /// error that ended receiving earlier, if one did.
    @discardableResult
    package func wait() -> ZMQError? {
        let error = receiver.join()
        monitor.withLock { $0 }?.join()
        return error
    }

    /// A handshake that failed before ZAP was asked: plain text at a CURVE socket, or not ZMTP at all.
    private static func countProtocolError(
        metrics: DaemonMetrics?, logger: Logger, endpoint: String,
        log: inout RateLimiter
    ) {
        metrics?.handshakeProtocolErrors.increment()
        if log.allows() {
            logger.warning("a handshake failed (not ZMTP, or not CURVE)", metadata: ["endpoint": "\(endpoint)"])
        }
    }

    /// From a task: the end of receiving, nil when the context shut down, else the error that ended it.
    /// (The monitor thread goes on until the context shuts down: `wait()` for both.)
    package func receivingEnded() async -> ZMQError? {
        await receiver.value
    }

    /// A fault for the tests to inject: with `STREAMLSTMD_FAULT_INPUT_AFTER=N` in the environment an input's
    /// receive fails after N messages, as a real socket error would, so that what follows can be tested
    /// on the built daemon. Unset in every real deployment.
    package static let injectedFaultAfter: Int? = ProcessInfo.processInfo.environment["STREAMLSTMD_FAULT_INPUT_AFTER"]
        .flatMap { Int($0) }

    /// Receives until the context shuts down (nil) or receiving fails (the error).
    private static func receiveLoop(
        socket: ZMQSocket, config: InputConfig, sink: any SampleSink, metrics: DaemonMetrics?,
        logger: Logger
    ) -> ZMQError? {
        var faultAfter = Self.injectedFaultAfter
        let parser = PayloadParser(
            format: config.format, maxKeyLength: config.maxKeyLength,
            influxPrecision: config.influxPrecision)
        var result = ParseResult()
        var log = RateLimitedLog(logger: logger, interval: 10)
        // One counter per producer (allowed keys are few; the cap keeps a bug from growing it without end).
        var producerCounters: [String: Counter] = [:]
        while true {
            let message: [[UInt8]]
            do throws(ZMQError) {
                guard let received = try socket.receive() else { continue }
                message = received
                if let remaining = faultAfter {
                    guard remaining > 0 else { throw ZMQError(code: EFAULT, operation: "zmq_msg_recv (injected)") }
                    faultAfter = remaining - 1
                }
            } catch {
                return error.isTerminated ? nil : error
            }
            result.removeAll()
            metrics?.inputMessages.increment()
            decode(message, config: config, parser: parser, now: Date().timeIntervalSince1970, into: &result)
            let producer = socket.lastUserId.flatMap { $0.isEmpty ? nil : $0 }
            if let producer {
                if producerCounters[producer] == nil, producerCounters.count < 10_000 {
                    producerCounters[producer] = metrics?.producerMessages(producer)
                }
                producerCounters[producer]?.increment()
            }
            if !result.samples.isEmpty {
                sink.submit(
                    result.samples, acceptOutOfOrder: config.acceptOutOfOrder, producer: producer, input: config.name)
            }
            if result.rejections.total > 0 {
                sink.count(result.rejections)
                log.note(result.rejections)
            }
        }
    }
}

extension Input {
    /// Turns one message into samples and rejections, live and in replay alike.
    /// `[topic, payload]` or `[payload]`: the topic only filters subscriptions.
    package static func decode(
        _ message: [[UInt8]], config: InputConfig, parser: PayloadParser, now: Double,
        into result: inout ParseResult
    ) {
        if message.count > 2 || message.isEmpty {
            result.rejections.add(
                .unparseable, "message of \(message.count) parts; expected [topic, payload] or [payload]")
        } else if message[message.count - 1].count > config.maxMessageBytes {
            // libzmq enforces the same limit on the socket (and drops the connection); this check
            // stands for messages that reach `decode` some other way (tests, a socket without it).
            result.rejections.add(
                .oversizedMessage,
                "message of \(message[message.count - 1].count) bytes (limit \(config.maxMessageBytes))")
        } else {
            parser.parse(message[message.count - 1][...], now: now, into: &result)
        }
    }
}
