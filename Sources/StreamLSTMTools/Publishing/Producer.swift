import StreamLSTMDaemon
import ZeroMQ

/// A producer of metric messages, as the daemon's inputs take them: an XPUB
/// socket (so that a subscriber's arrival can be seen) that queues rather
/// than drops, handed out once a subscriber has joined (PUB/SUB drops what
/// is sent before), and whose close waits for what is still queued.
package final class Producer {
    private let context: ZMQContext
    private let socket: ZMQSocket
    private let linger: Int32

    /// Connects to `connect` or binds `bind` (either, or both), then waits up to `wait` seconds for a subscriber.
    package init(
        connect: String? = nil, bind: String? = nil, wait: Double = 10,
        lingerMilliseconds: Int32 = 30_000, curve: CurveClientKeys? = nil
    ) throws(ProducerError) {
        linger = lingerMilliseconds
        let subscription: [[UInt8]]?
        do throws(ZMQError) {
            context = try ZMQContext()
            socket = try ZMQSocket(context: context, type: .xpublisher)
            try socket.set(.sendHighWaterMark(0))
            try socket.set(.receiveTimeout(milliseconds: Int32(wait * 1000)))
            try curve?.apply(to: socket)
            if let connect { try socket.connect(connect) }
            if let bind { try socket.bind(bind) }
            // The subscriber's subscription arrives as a message on the XPUB socket.
            subscription = try socket.receive()
        } catch {
            throw .zeroMQ(error)
        }
        guard subscription != nil else { throw .noSubscriber(seconds: wait) }
    }

    /// Sends one message of `frames` (a topic and a payload, or a payload).
    package func send(_ frames: [[UInt8]]) throws(ZMQError) {
        try socket.send(frames)
    }

    /// Sends `[topic, payload]`.
    package func send(topic: String = "metrics", _ payload: String) throws(ZMQError) {
        try socket.send([Array(topic.utf8), Array(payload.utf8)])
    }

    /// Closes the socket once what is queued has been sent (up to the linger time).
    package func close() {
        try? socket.set(.linger(milliseconds: linger))
        socket.close()
    }
}

package enum ProducerError: Error, CustomStringConvertible {
    case noSubscriber(seconds: Double)
    case zeroMQ(ZMQError)

    package var description: String {
        switch self {
        case .noSubscriber(let seconds): "no subscriber joined within \(seconds) s"
        case .zeroMQ(let error): "\(error)"
        }
    }
}
