import CZMQ

/// The socket options streamlstmd sets, each with its C type.
enum ZMQSocketOption {
    /// Milliseconds queued messages may delay `close`; never -1 (forever) here.
    case linger(milliseconds: Int32)
    case sendHighWaterMark(Int32)
    case receiveHighWaterMark(Int32)
    case reconnectInterval(milliseconds: Int32)
    case reconnectIntervalMax(milliseconds: Int32)
    /// Larger inbound messages are refused by libzmq and the peer is disconnected.
    case maxMessageSize(bytes: Int64)
    case receiveTimeout(milliseconds: Int32)
    case subscribe(prefix: [UInt8])

    var name: String {
        switch self {
        case .linger: "ZMQ_LINGER"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .reconnectInterval: "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: "ZMQ_RECONNECT_IVL_MAX"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .subscribe: "ZMQ_SUBSCRIBE"
        }
    }

    /// Calls `zmq_setsockopt` with this option's code and value.
    func apply(to socket: UnsafeMutableRawPointer) -> Int32 {
        func integer<I>(_ code: Int32, _ value: I) -> Int32 {
            withUnsafeBytes(of: value) { zmq_setsockopt(socket, code, $0.baseAddress, $0.count) }
        }
        func bytes(_ code: Int32, _ value: [UInt8]) -> Int32 {
            value.withUnsafeBytes { zmq_setsockopt(socket, code, $0.baseAddress, $0.count) }
        }
        switch self {
        case .linger(let ms): return integer(ZMQ_LINGER, ms)
        case .sendHighWaterMark(let n): return integer(ZMQ_SNDHWM, n)
        case .receiveHighWaterMark(let n): return integer(ZMQ_RCVHWM, n)
        case .reconnectInterval(let ms): return integer(ZMQ_RECONNECT_IVL, ms)
        case .reconnectIntervalMax(let ms): return integer(ZMQ_RECONNECT_IVL_MAX, ms)
        case .maxMessageSize(let n): return integer(ZMQ_MAXMSGSIZE, n)
        case .receiveTimeout(let ms): return integer(ZMQ_RCVTIMEO, ms)
        case .subscribe(let prefix): return bytes(ZMQ_SUBSCRIBE, prefix)
        }
    }
}
