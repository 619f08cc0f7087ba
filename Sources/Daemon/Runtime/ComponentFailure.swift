/// The first part of the daemon that died (an input whose receive loop
/// failed with anything but the shutdown's ETERM). The daemon's service
/// waits on it beside the shutdown signals and ends the daemon with a
/// non-zero status, so that systemd's `Restart=on-failure` acts, instead of
/// running on half blind and ready.
final class ComponentFailure: Sendable {
    private let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(1))
    }

    /// Says what died; the first report counts.
    func report(_ what: String) {
        continuation.yield(what)
    }

    /// The first report, once there is one; nil if the wait is cancelled first. One waiter only.
    func first() async -> String? {
        for await what in stream { return what }
        return nil
    }
}

/// The daemon ended because a part of it died.
struct ComponentFailed: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what): the daemon stops so that it can be restarted whole" }
}
