import Synchronization

/// A value behind a lock that closures and threads can share by reference
/// (`Mutex` itself cannot be captured: it is not copyable).
final class Protected<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
