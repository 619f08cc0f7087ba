import CZMQ

/// The socket options streamlstmd sets, each with its C type.
package enum ZMQSocketOption {
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
    /// This socket is a CURVE server (it has the secret key; clients must know its public key).
    case curveServer(Bool)
    /// Z85 keys, 40 characters.
    case curveSecretKey(String)
    case curvePublicKey(String)
    /// A CURVE client's view of the server it connects to.
    case curveServerKey(String)
    /// The ZAP domain this socket's handshakes are authenticated in.
    case zapDomain(String)
    /// Milliseconds a peer has to complete the handshake before it is dropped.
    case handshakeInterval(milliseconds: Int32)
    /// ZMTP heartbeats: a PING this often, the peer dropped if nothing comes back within the timeout.
    case heartbeatInterval(milliseconds: Int32)
    case heartbeatTimeout(milliseconds: Int32)

    package var name: String {
        switch self {
        case .linger: "ZMQ_LINGER"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .reconnectInterval: "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: "ZMQ_RECONNECT_IVL_MAX"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .subscribe: "ZMQ_SUBSCRIBE"
        case .curveServer: "ZMQ_CURVE_SERVER"
        case .curveSecretKey: "ZMQ_CURVE_SECRETKEY"
        case .curvePublicKey: "ZMQ_CURVE_PUBLICKEY"
        case .curveServerKey: "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: "ZMQ_ZAP_DOMAIN"
        case .handshakeInterval: "ZMQ_HANDSHAKE_IVL"
        case .heartbeatInterval: "ZMQ_HEARTBEAT_IVL"
        case .heartbeatTimeout: "ZMQ_HEARTBEAT_TIMEOUT"
        }
    }

    /// Calls `zmq_setsockopt` with this option's code and value.
    package func apply(to socket: UnsafeMutableRawPointer) -> Int32 {
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
        case .curveServer(let on): return integer(ZMQ_CURVE_SERVER, Int32(on ? 1 : 0))
        // Z85 keys go with their terminating zero (41 bytes), as libzmq expects of text keys.
        case .curveSecretKey(let key): return bytes(ZMQ_CURVE_SECRETKEY, Array(key.utf8) + [0])
        case .curvePublicKey(let key): return bytes(ZMQ_CURVE_PUBLICKEY, Array(key.utf8) + [0])
        case .curveServerKey(let key): return bytes(ZMQ_CURVE_SERVERKEY, Array(key.utf8) + [0])
        case .zapDomain(let domain): return bytes(ZMQ_ZAP_DOMAIN, Array(domain.utf8))
        case .handshakeInterval(let ms): return integer(ZMQ_HANDSHAKE_IVL, ms)
        case .heartbeatInterval(let ms): return integer(ZMQ_HEARTBEAT_IVL, ms)
        case .heartbeatTimeout(let ms): return integer(ZMQ_HEARTBEAT_TIMEOUT, ms)
        }
    }
}
