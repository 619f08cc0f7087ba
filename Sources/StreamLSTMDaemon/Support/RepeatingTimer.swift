import Dispatch

/// Calls `tick` every `interval` seconds on a background queue, until cancelled.
package final class RepeatingTimer: @unchecked Sendable {
    // @unchecked: a dispatch source may be cancelled from any thread; it is set once, in init.
    private let source: any DispatchSourceTimer

    package init(interval: Double, tick: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        source.setEventHandler(handler: tick)
        source.schedule(deadline: .now() + interval, repeating: interval)
        source.resume()
    }

    /// No tick starts after this returns (one under way may finish).
    package func cancel() {
        source.cancel()
    }
}
