import Foundation

/// Told when a `BlockingQueue.put` has to wait for room, and when that wait is over (a reference:
/// handing one to every put allocates nothing).
package protocol QueueWaitObserver: AnyObject, Sendable {
    func waitBegan()
    func waitEnded()
}

/// A bounded first-in-first-out queue between threads. `put` blocks while
/// the queue is full (backpressure, never loss); `take` blocks while it is
/// empty; after `close`, `put` refuses and `take` drains what is left.
package final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Element?]
    private var head = 0
    private var stored = 0
    private var closed = false

    package init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for one element")
        items = [Element?](repeating: nil, count: capacity)
    }

    /// Appends `element`, waiting for room; false if the queue is closed.
    /// `observer`: told when the queue is full and the put waits, and when that wait is over.
    @discardableResult
    package func put(_ element: Element, observer: (any QueueWaitObserver)? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stored == items.count && !closed {
            observer?.waitBegan()
            while stored == items.count && !closed { condition.wait() }
            observer?.waitEnded()
        }
        guard !closed else { return false }
        items[(head + stored) % items.count] = element
        stored += 1
        condition.broadcast()
        return true
    }

    /// Appends `element`, waiting at most `seconds` for room: `.queued`, `.full` (no room in time),
    /// or `.closed`. For callers that must not hang behind a stuck consumer.
    package enum Offer { case queued, full, closed }

    package func put(_ element: Element, within seconds: Double) -> Offer {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while stored == items.count && !closed {
            guard condition.wait(until: deadline) else { return closed ? .closed : .full }
        }
        guard !closed else { return .closed }
        items[(head + stored) % items.count] = element
        stored += 1
        condition.broadcast()
        return .queued
    }

    /// The oldest element, waiting for one; nil once closed and empty.
    package func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while stored == 0 && !closed { condition.wait() }
        guard stored > 0 else { return nil }
        let element = items[head]
        items[head] = nil
        head = (head + 1) % items.count
        stored -= 1
        condition.broadcast()
        return element
    }

    /// The oldest element without waiting: nil if there is none; `finished`
    /// once the queue is closed and empty.
    package func poll() -> (element: Element?, finished: Bool) {
        condition.lock()
        defer { condition.unlock() }
        guard stored > 0 else { return (nil, closed) }
        let element = items[head]
        items[head] = nil
        head = (head + 1) % items.count
        stored -= 1
        condition.broadcast()
        return (element, false)
    }

    /// Refuses further elements and wakes every waiter.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    package var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return stored
    }
}
