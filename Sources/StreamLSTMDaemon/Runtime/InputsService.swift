import Logging
import ServiceLifecycle
import ZeroMQ

/// The inputs as one service: running until the group shuts down (then the
/// input context shuts down and every receive loop ends), or until one input's
/// receive fails, which ends the daemon with a non-zero status so that
/// systemd's `Restart=on-failure` acts, instead of running on half blind and ready.
package struct InputsService: Service {
    package let inputs: [Input]
    package let context: ZMQContext
    package let logger: Logger

    package func run() async throws {
        let context = self.context
        let inputs = self.inputs
        let failure = await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: ComponentFailed?.self) { group in
                for input in inputs {
                    group.addTask {
                        await input.receivingEnded().map { .input(endpoints: input.endpoints, $0) }
                    }
                }
                var first: ComponentFailed?
                for await failure in group where failure != nil && first == nil {
                    first = failure
                    context.shutdown()  // the other inputs end with it
                }
                return first
            }
        } onCancelOrGracefulShutdown: {
            context.shutdown()
        }
        await OwnedThread(name: "inputs-stop") { for input in inputs { input.wait() } }.value
        if let failure {
            logger.critical("a part of the daemon died: stopping", metadata: ["failure": "\(failure.part)"])
            throw failure
        }
    }
}

/// The daemon ended because a part of it died: which part, and the error that ended it.
package enum ComponentFailed: Error, Equatable, CustomStringConvertible {
    /// An input's receive failed (libzmq's errno and call in the `ZMQError`).
    case input(endpoints: [String], ZMQError)

    /// The part and what ended it, as the log names it.
    package var part: String {
        switch self {
        case .input(let endpoints, let error): "input \(endpoints.joined(separator: " ")) stopped: \(error)"
        }
    }

    package var description: String { "\(part): the daemon stops so that it can be restarted whole" }
}
