import Logging
import ServiceLifecycle

/// The inputs as one service: running until the group shuts down (then the
/// input context shuts down and every receive loop ends), or until one input's
/// receive fails, which ends the daemon with a non-zero status so that
/// systemd's `Restart=on-failure` acts, instead of running on half blind and ready.
struct InputsService: Service {
    let inputs: [Input]
    let context: ZMQContext
    let logger: Logger

    func run() async throws {
        let context = self.context
        let inputs = self.inputs
        let failure = await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: String?.self) { group in
                for input in inputs {
                    group.addTask {
                        await input.receivingEnded().map {
                            "input \(input.endpoints.joined(separator: " ")) stopped: \($0)"
                        }
                    }
                }
                var first: String?
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
            logger.critical("a part of the daemon died: stopping", metadata: ["failure": "\(failure)"])
            throw ComponentFailed(what: failure)
        }
    }
}

/// The daemon ended because a part of it died.
struct ComponentFailed: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what): the daemon stops so that it can be restarted whole" }
}
