import Foundation

/// A system call that failed: which one, on what, and its errno, so that a caller can tell a full
/// disk (`ENOSPC`) from a missing folder (`ENOENT`) or a port in use (`EADDRINUSE`) without reading
/// a message; as `ZMQError` does for libzmq.
package struct SystemCallError: Error, Equatable, CustomStringConvertible {
    /// The call: `open`, `write`, `fsync`, `rename`, `mmap`, `bind`, ...
    package let operation: String
    /// The file, folder or address it was called on.
    package let target: String
    package let code: Int32

    package init(_ operation: String, _ target: String, code: Int32) {
        self.operation = operation
        self.target = target
        self.code = code
    }

    /// The failure `errno` reports now: call it right after the failing call.
    package static func last(_ operation: String, _ target: String) -> SystemCallError {
        SystemCallError(operation, target, code: errno)
    }

    package var description: String { "\(operation) \(target): \(String(cString: strerror(code)))" }
}
