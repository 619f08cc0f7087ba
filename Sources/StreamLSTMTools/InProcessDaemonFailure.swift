/// A tool that runs a daemon inside its own process (the demo, the benchmark) could not drive it.
package enum InProcessDaemonFailure: Error, CustomStringConvertible {
    /// The tool's producer could not connect to the daemon's input (the producer's error).
    case didNotSubscribe(any Error)
    /// The daemon had processed only `processed` of the `sent` samples when `seconds` ran out.
    case notProcessed(processed: Int, sent: Int, seconds: Double)

    package var description: String {
        switch self {
        case .didNotSubscribe(let error): "the daemon did not subscribe: \(error)"
        case .notProcessed(let processed, let sent, let seconds):
            "only \(processed) of \(sent) samples processed in \(seconds) s"
        }
    }
}
