/// Where an input hands what it parsed (in the daemon: the engine, which routes samples to the
/// shards). Called on the input's thread for every message.
package protocol SampleSink: Sendable {
    /// One message's samples; `producer`: who sent it, when the input knows (its CURVE key's name);
    /// `input`: the input it came in on (series whose producer is not known are grouped by it when
    /// they go quiet together). May block while the consumer is behind: samples are never dropped for speed.
    func submit(_ samples: [Sample], acceptOutOfOrder: Bool, producer: String?, input: String?)
    /// What the message's parsing refused, counted by reason.
    func count(_ rejections: Rejections)
}
