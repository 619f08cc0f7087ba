import CZMQ
import Foundation

/// A failed libzmq call: which call, and the errno it left, read right after it.
///
/// The code decides what to do: `EAGAIN` means "not now", `ETERM` means the
/// context is shutting down and the caller should close its socket and stop,
/// `EINTR` is retried by the wrapper itself and never reaches callers.
package struct ZMQError: Error, Equatable, CustomStringConvertible {
    package let code: Int32
    package let operation: String

    package init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// Reads `zmq_errno()`; call it immediately after the failing call.
    package static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    package var isTerminated: Bool { code == ETERM }
    package var isWouldBlock: Bool { code == EAGAIN }
    package var isInterrupted: Bool { code == EINTR }

    package var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))"
    }
}
