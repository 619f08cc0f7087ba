import Foundation

/// A named thread that runs one body to its end and keeps what it returned,
/// for whoever owns it to join: blocking (`join()`) from another thread, or
/// suspending (`value`) from a task without holding a thread of the
/// cooperative pool. Every long-lived thread of the daemon is one of these.
package final class OwnedThread<Outcome: Sendable>: Sendable {
    private let ended = DispatchGroup()
    private let outcome = Protected<Outcome?>(nil)

    /// Starts `body` on a new thread called `name`.
    package init(name: String, _ body: @escaping @Sendable () -> Outcome) {
        let ended = self.ended
        let outcome = self.outcome
        ended.enter()
        let thread = Thread {
            let result = body()
            outcome.withLock { $0 = result }
            ended.leave()
        }
        thread.name = name
        thread.start()
    }

    /// Waits for the body to return; any number of callers, any thread.
    @discardableResult
    package func join() -> Outcome {
        ended.wait()
        return outcome.withLock { $0! }
    }

    /// What the body returned, once it has.
    package var value: Outcome {
        get async {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                ended.notify(queue: .global()) { done.resume() }
            }
            return outcome.withLock { $0! }
        }
    }
}
