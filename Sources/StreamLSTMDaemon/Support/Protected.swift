import Foundation

/// A value behind a lock that closures and threads can share by reference.
///
/// A pthread mutex (NSLock) rather than the standard library's `Mutex`: on
/// Linux `Mutex` waits on raw futexes, which ThreadSanitizer cannot see, so
/// every value it guards was reported as a data race.
package final class Protected<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) {
        self.value = value
    }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
