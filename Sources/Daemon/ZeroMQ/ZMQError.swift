import CZMQ
import Foundation

/// A failed libzmq call: which call, and the errno it left, read right after it.
///
/// The code decides what to do: `EAGAIN` means "not now", `ETERM` means the
/// context is shutting down and the caller should close its socket and stop,
/// `EINTR` is retried by the wrapper itself and never reaches callers.
struct ZMQError: Error, Equatable, CustomStringConvertible {
    let code: Int32
    let operation: String

    /// Reads `zmq_errno()`; call it immediately after the failing call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    var isTerminated: Bool { code == ETERM }
    var isWouldBlock: Bool { code == EAGAIN }
    var isInterrupted: Bool { code == EINTR }

    var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))"
    }
}
