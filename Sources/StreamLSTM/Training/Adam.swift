import RealModule

/// Hyper-parameters of Adam (Kingma & Ba 2015).
public struct AdamConfig: Sendable, Hashable, Codable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double

    public init(learningRate: Double = 3e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// Adam's per-parameter moments and its step count.
public struct AdamState<T: NeuralScalar>: Sendable, Hashable {
    public var firstMoment: [T]
    public var secondMoment: [T]
    public var step: Int

    public init(parameterCount: Int) {
        firstMoment = [T](repeating: 0, count: parameterCount)
        secondMoment = [T](repeating: 0, count: parameterCount)
        step = 0
    }

    public init(firstMoment: [T], secondMoment: [T], step: Int) {
        precondition(firstMoment.count == secondMoment.count, "Adam moments differ in size")
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.step = step
    }

    /// Zero moments at step 0, in the arrays already there: a trainer's, reused for every series.
    public mutating func reset(parameterCount: Int) {
        guard firstMoment.count == parameterCount else {
            self = AdamState(parameterCount: parameterCount)
            return
        }
        for i in firstMoment.indices {
            firstMoment[i] = 0
            secondMoment[i] = 0
        }
        step = 0
    }

    /// Counts the step about to be taken and returns its step size and epsilon, with the
    /// bias corrections folded in (Kingma & Ba, section 2).
    private mutating func nextStep(_ config: AdamConfig) -> (stepSize: T, epsilon: T) {
        precondition(firstMoment.count == secondMoment.count, "Adam moments differ in size")
        step += 1
        let correction1 = 1 - Double.pow(config.beta1, Double(step))
        let correction2 = 1 - Double.pow(config.beta2, Double(step))
        return (
            T(config.learningRate * correction2.squareRoot() / correction1),
            T(config.epsilon * correction2.squareRoot())
        )
    }

    /// One bias-corrected Adam update of `parameters` along `gradient`.
    public mutating func update(_ parameters: inout [T], gradient: [T], config: AdamConfig) {
        precondition(
            parameters.count == gradient.count && parameters.count == firstMoment.count,
            "Adam: parameter, gradient and moment sizes differ")
        let (stepSize, epsilon) = nextStep(config)
        let b1 = T(config.beta1)
        let b2 = T(config.beta2)
        parameters.withUnsafeMutableBufferPointer { p in
            firstMoment.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<p.count {
                            let gi = g[i]
                            m[i] = b1 * m[i] + (1 - b1) * gi
                            v[i] = b2 * v[i] + (1 - b2) * gi * gi
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}

extension AdamState where T == Float {
    /// The same update as the generic one, eight parameters at a time: the
    /// generic loop stays scalar, because `squareRoot()` is a libm call per
    /// value (it may set errno) that the compiler cannot vectorise. The root
    /// here is `Kernels.squareRoot8`'s, within two units in the last place.
    public mutating func update(_ parameters: inout [Float], gradient: [Float], config: AdamConfig) {
        precondition(
            parameters.count == gradient.count && parameters.count == firstMoment.count,
            "Adam: parameter, gradient and moment sizes differ")
        let (stepSize, epsilon) = nextStep(config)
        let (b1, b2) = (Float(config.beta1), Float(config.beta2))
        parameters.withUnsafeMutableBufferPointer { p in
            firstMoment.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        var i = 0
                        while i + 8 <= p.count {
                            let gi = Kernels.load8(g.baseAddress! + i)
                            let mi = b1 * Kernels.load8(m.baseAddress! + i) + (1 - b1) * gi
                            let vi = b2 * Kernels.load8(v.baseAddress! + i) + (1 - b2) * gi * gi
                            let pi =
                                Kernels.load8(p.baseAddress! + i) - stepSize * mi / (Kernels.squareRoot8(vi) + epsilon)
                            Kernels.store8(mi, m.baseAddress! + i)
                            Kernels.store8(vi, v.baseAddress! + i)
                            Kernels.store8(pi, p.baseAddress! + i)
                            i += 8
                        }
                        while i < p.count {
                            let gi = g[i]
                            m[i] = b1 * m[i] + (1 - b1) * gi
                            v[i] = b2 * v[i] + (1 - b2) * gi * gi
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
                            i += 1
                        }
                    }
                }
            }
        }
    }
}

/// Scales `gradient` so that its Euclidean norm is at most `maxNorm`; returns
/// the norm before scaling. A non-finite norm zeroes the gradient: one
/// poisoned window must not poison the weights.
@discardableResult
public func clipGradientNorm<T: NeuralScalar>(_ gradient: inout [T], maxNorm: T) -> T {
    let norm = gradient.withUnsafeBufferPointer { g in
        Kernels.dot(g.baseAddress!, g.baseAddress!, count: g.count).squareRoot()
    }
    if !norm.isFinite {
        for i in gradient.indices { gradient[i] = 0 }
    } else if norm > maxNorm {
        let scale = maxNorm / norm
        for i in gradient.indices { gradient[i] *= scale }
    }
    return norm
}
