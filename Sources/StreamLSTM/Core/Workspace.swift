/// Scratch memory for stepping predictors: one per thread, shared by every
/// series that thread owns, so a series carries no scratch of its own.
///
/// Raw buffers rather than arrays: a step reaches them several times, and
/// an array held by a class pays a uniqueness check (a runtime call) at
/// every mutable access.
public final class Workspace {
    public let network: Network
    let cache: UnsafeMutableBufferPointer<Float>
    let scratch: UnsafeMutableBufferPointer<Float>
    let input: UnsafeMutableBufferPointer<Float>

    public init(network: Network) {
        self.network = network
        cache = .allocate(capacity: network.cacheSize)
        scratch = .allocate(capacity: network.scratchSize)
        input = .allocate(capacity: network.inputSize)
        for buffer in [cache, scratch, input] { buffer.initialize(repeating: 0) }
    }

    deinit {
        cache.deallocate()
        scratch.deallocate()
        input.deallocate()
    }

    /// Whether these buffers are large enough for steps of `network`: a few
    /// integer comparisons, cheap enough to check on every step (comparing
    /// whole networks compared their arrays).
    func serves(_ network: Network) -> Bool {
        input.count == network.inputSize && cache.count >= network.cacheSize && scratch.count >= network.scratchSize
    }
}
