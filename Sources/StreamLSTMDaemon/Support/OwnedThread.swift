import Foundation
import ZeroMQ

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

extension OwnedThread {
    /// Starts `body` on a new thread called `name` and waits until it has set itself up (opened and
    /// bound its sockets, say): `body` hands `ready` what the set-up gave, or the error that stopped
    /// it and then returns. Returns the thread and what the set-up gave; throws the error once the
    /// thread has ended. So a bad endpoint fails the caller's start instead of a thread.
    package static func started<Ready: Sendable, Failure: Error>(
        name: String, _ body: @escaping @Sendable (_ ready: (Result<Ready, Failure>) -> Void) -> Outcome
    ) throws(Failure) -> (thread: OwnedThread, ready: Ready) {
        let setUp = BlockingQueue<Result<Ready, Failure>>(capacity: 1)
        let thread = OwnedThread(name: name) { body { setUp.put($0) } }
        switch setUp.take()! {
        case .success(let ready): return (thread, ready)
        case .failure(let error):
            thread.join()
            throw error
        }
    }
}

extension OwnedThread where Outcome == Void {
    /// Starts a thread called `name` that owns one socket of `type` in `context`: `setUp` readies it
    /// (options, then bind or connect) and gives what the caller waits for, then `run` has it until
    /// its work is done. Returns, as `started` does, once `setUp` has.
    package static func owningSocket<Ready: Sendable>(
        _ type: ZMQSocketType, in context: ZMQContext, name: String,
        setUp: @escaping @Sendable (ZMQSocket) throws(ZMQError) -> Ready,
        run: @escaping @Sendable (ZMQSocket) -> Void
    ) throws(ZMQError) -> (thread: OwnedThread, ready: Ready) {
        try started(name: name) { (ready: (Result<Ready, ZMQError>) -> Void) in
            let socket: ZMQSocket
            do throws(ZMQError) {
                socket = try ZMQSocket(context: context, type: type)
                ready(.success(try setUp(socket)))
            } catch {
                ready(.failure(error))
                return
            }
            run(socket)
        }
    }
}
