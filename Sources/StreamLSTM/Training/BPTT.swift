/// Truncated backpropagation through time over a window, in preallocated
/// buffers: one instance per thread that trains, reused for every job.
///
/// The loss of a window is the mean over its steps of `½ (ŷ_t − y_t)²`, where
/// `ŷ_t` is the network's prediction after input `t` and `y_t` the value that
/// followed. The window starts from a stored state, not from zeros, so the
/// model learns from the state it really had.
public final class BPTT<T: NeuralScalar> {
    public let network: Network
    public let maxWindow: Int
    /// dL/dθ of the last `lossAndGradient` call.
    public private(set) var gradient: [T]
    private var caches: [T]
    private var preactivationGradients: [T]
    private var state: [T]
    private var stateGradient: [T]
    private var scratch: [T]
    private var predictions: [T]

    public init(network: Network, maxWindow: Int) {
        precondition(maxWindow > 0, "BPTT needs a window of at least one step")
        self.network = network
        self.maxWindow = maxWindow
        gradient = [T](repeating: 0, count: network.parameterCount)
        caches = [T](repeating: 0, count: network.cacheSize * maxWindow)
        preactivationGradients = [T](repeating: 0, count: network.preactivationGradientSize * maxWindow)
        state = [T](repeating: 0, count: network.stateSize)
        stateGradient = [T](repeating: 0, count: network.stateSize)
        scratch = [T](repeating: 0, count: network.scratchSize)
        predictions = [T](repeating: 0, count: maxWindow)
    }

    /// The window loss only, without touching the gradient: the mean over
    /// the steps from `scoredFrom` on (the earlier ones only carry the state
    /// forward), so that held-out steps can be judged on their own.
    public func loss(parameters: [T], inputs: [T], targets: [T], initialState: [T], scoredFrom: Int = 0) -> T {
        forwardWindow(
            parameters: parameters, inputs: inputs, targets: targets, initialState: initialState,
            scoredFrom: scoredFrom)
    }

    /// The window loss; leaves dL/dθ in `gradient`.
    @discardableResult
    public func lossAndGradient(parameters: [T], inputs: [T], targets: [T], initialState: [T]) -> T {
        let loss = forwardWindow(parameters: parameters, inputs: inputs, targets: targets, initialState: initialState)
        let steps = targets.count
        let network = self.network
        let cacheSize = network.cacheSize
        for i in gradient.indices { gradient[i] = 0 }
        for i in stateGradient.indices { stateGradient[i] = 0 }
        let gradientSize = network.preactivationGradientSize
        parameters.withUnsafeBufferPointer { p in
            caches.withUnsafeBufferPointer { c in
                gradient.withUnsafeMutableBufferPointer { dp in
                    stateGradient.withUnsafeMutableBufferPointer { ds in
                        scratch.withUnsafeMutableBufferPointer { s in
                            preactivationGradients.withUnsafeMutableBufferPointer { da in
                                for t in stride(from: steps - 1, through: 0, by: -1) {
                                    let dy = (predictions[t] - targets[t]) / T(steps)
                                    network.backward(
                                        p.baseAddress!, cache: c.baseAddress! + t * cacheSize,
                                        outputGradient: dy, stateGradient: ds.baseAddress!,
                                        preactivationGradient: da.baseAddress! + t * gradientSize,
                                        parameterGradient: dp.baseAddress!, scratch: s.baseAddress!)
                                }
                                network.accumulateWeightGradients(
                                    caches: c.baseAddress!,
                                    preactivationGradients: UnsafePointer(da.baseAddress!),
                                    steps: steps, parameterGradient: dp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return loss
    }

    /// Clips `gradient` in place to at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public func clipGradient(maxNorm: T) -> T {
        clipGradientNorm(&gradient, maxNorm: maxNorm)
    }

    private func forwardWindow(
        parameters: [T], inputs: [T], targets: [T], initialState: [T],
        scoredFrom: Int = 0
    ) -> T {
        let steps = targets.count
        precondition(scoredFrom >= 0 && scoredFrom < steps, "no step left to score")
        let network = self.network
        precondition(steps > 0 && steps <= maxWindow, "window of \(steps) steps outside 1...\(maxWindow)")
        precondition(inputs.count == steps * network.inputSize, "window inputs do not match its targets")
        precondition(parameters.count == network.parameterCount, "parameter vector of the wrong size")
        precondition(initialState.count == network.stateSize, "initial state of the wrong size")
        for i in state.indices { state[i] = initialState[i] }
        var loss: T = 0
        parameters.withUnsafeBufferPointer { p in
            inputs.withUnsafeBufferPointer { x in
                caches.withUnsafeMutableBufferPointer { c in
                    state.withUnsafeMutableBufferPointer { s in
                        scratch.withUnsafeMutableBufferPointer { w in
                            for t in 0..<steps {
                                let y = network.forward(
                                    p.baseAddress!, input: x.baseAddress! + t * network.inputSize,
                                    state: s.baseAddress!,
                                    cache: c.baseAddress! + t * network.cacheSize,
                                    scratch: w.baseAddress!)
                                predictions[t] = y
                                if t >= scoredFrom {
                                    let e = y - targets[t]
                                    loss += e * e / 2
                                }
                            }
                        }
                    }
                }
            }
        }
        return loss / T(steps - scoredFrom)
    }
}
