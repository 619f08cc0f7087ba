import CZMQ

/// A libzmq context: the I/O threads every socket shares.
///
/// Sockets hold a strong reference to their context, so the context is
/// terminated (`zmq_ctx_term`, in `deinit`) only after its last socket is
/// closed, and never blocks there on a forgotten socket. To stop, call
/// `shutdown()`: every blocking call on every socket returns `ETERM`, their
/// owner threads close them, and the context goes away with the last one.
package final class ZMQContext: @unchecked Sendable {
    // @unchecked: libzmq contexts are thread-safe; the handle never changes.
    package let handle: UnsafeMutableRawPointer

    /// The version of the libzmq linked in, `major.minor.patch`.
    package static var libraryVersion: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    package init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        guard zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) == 0 else {
            let error = ZMQError.last("zmq_ctx_set(ZMQ_IO_THREADS)")
            zmq_ctx_term(handle)
            throw error
        }
    }

    /// Makes every blocking call on this context's sockets return `ETERM`, now
    /// and from now on. Safe from any thread, and to call more than once.
    package func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        // Every socket is closed by now (each held this context alive), so this returns at once.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
