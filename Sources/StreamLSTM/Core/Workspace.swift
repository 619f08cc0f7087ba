/// Scratch memory for stepping predictors: one per thread, shared by every
/// series that thread owns, so a series carries no scratch of its own.
public final class Workspace {
    public let network: Network
    var cache: [Float]
    var scratch: [Float]
    var input: [Float]

    public init(network: Network) {
        self.network = network
        cache = [Float](repeating: 0, count: network.cacheSize)
        scratch = [Float](repeating: 0, count: network.scratchSize)
        input = [Float](repeating: 0, count: network.inputSize)
    }

    /// Whether these buffers are large enough for steps of `network`: a few
    /// integer comparisons, cheap enough to check on every step (comparing
    /// whole networks compared their arrays).
    func serves(_ network: Network) -> Bool {
        input.count == network.inputSize && cache.count >= network.cacheSize && scratch.count >= network.scratchSize
    }
}
