/// A stack of recurrent layers and a linear head that predicts the next
/// normalised value, over caller-owned flat buffers.
///
/// The network holds only the shape. Parameters are one flat vector (so the
/// optimiser, gradient clipping, snapshots and serialisation each see a
/// single array), the state vector concatenates every layer's state, and a
/// per-step cache records what backpropagation needs.
///
/// Head: `ŷ = w·h_top + b + s·x`. The skip weights `s` from the input start at
/// "same as the current value" (1 on the value feature, 0 elsewhere) and `w`
/// at 0, so an untrained network already predicts like a last-value
/// predictor and learning only has to earn the difference.
public struct Network: Sendable, Hashable {
    public let inputSize: Int
    public let layers: [Cell]
    let parameterOffsets: [Int]
    let stateOffsets: [Int]
    let cacheOffsets: [Int]
    let preactivationGradientOffsets: [Int]
    let headOffset: Int
    let headCacheOffset: Int

    public let parameterCount: Int
    public let stateSize: Int
    /// Values cached per step for backpropagation.
    public let cacheSize: Int
    /// Temporary values one forward or backward step needs.
    public let scratchSize: Int
    /// Pre-activation gradients recorded per step by `backward`.
    public let preactivationGradientSize: Int

    public init(inputSize: Int, model: ModelConfig) {
        precondition(inputSize > 0, "a network needs at least one input")
        precondition(model.problem == nil, model.problem ?? "")
        self.inputSize = inputSize
        var layers: [Cell] = []
        var parameterOffsets: [Int] = []
        var stateOffsets: [Int] = []
        var cacheOffsets: [Int] = []
        var preactivationGradientOffsets: [Int] = []
        var parameters = 0
        var state = 0
        var cache = 0
        var scratch = 0
        var preactivationGradients = 0
        for index in 0..<model.layers {
            let cell = Cell(
                kind: model.cell, inputSize: index == 0 ? inputSize : model.hiddenSize,
                hiddenSize: model.hiddenSize, peepholes: model.peepholes)
            layers.append(cell)
            parameterOffsets.append(parameters)
            stateOffsets.append(state)
            cacheOffsets.append(cache)
            preactivationGradientOffsets.append(preactivationGradients)
            parameters += cell.parameterCount
            preactivationGradients += cell.preactivationGradientSize
            state += cell.stateSize
            cache += cell.cacheSize
            scratch = max(scratch, cell.scratchSize)
        }
        self.layers = layers
        self.parameterOffsets = parameterOffsets
        self.stateOffsets = stateOffsets
        self.cacheOffsets = cacheOffsets
        self.preactivationGradientOffsets = preactivationGradientOffsets
        preactivationGradientSize = preactivationGradients
        headOffset = parameters
        headCacheOffset = cache
        parameterCount = parameters + model.hiddenSize + 1 + inputSize
        stateSize = state
        cacheSize = cache + model.hiddenSize + inputSize  // the head's h_top and x
        // Backward passes a layer's input gradient down through a buffer of this size.
        scratchSize = scratch + max(inputSize, model.hiddenSize)
    }

    var topHiddenSize: Int { layers[layers.count - 1].hiddenSize }

    /// A freshly initialised parameter vector, reproducible from `seed`.
    public func initialParameters<T: NeuralScalar>(seed: UInt64, as type: T.Type = T.self) -> [T] {
        var rng = SplitMix64(seed: seed)
        var parameters = [T](repeating: 0, count: parameterCount)
        parameters.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            for (cell, offset) in zip(layers, parameterOffsets) {
                cell.initialize(base + offset, using: &rng)
            }
            // Head: w = 0, b = 0, skip = "same as the current value" (feature 0).
            base[headOffset + topHiddenSize + 1] = 1
        }
        return parameters
    }

    /// One step through every layer and the head. Advances `state` and fills
    /// `cache` (one step's worth); returns the prediction. The weights may be
    /// stored narrower than the arithmetic: a live model steps on `Float16`.
    /// (The exported specialisations serve callers in other modules, which
    /// would otherwise run the unspecialised generic code.)
    @_specialize(exported:true,where W == Float)
    @_specialize(exported:true,where W == Float16)
    public func forward<W: StoredWeight>(
        _ p: UnsafePointer<W>, input: UnsafePointer<W.Scalar>, state: UnsafeMutablePointer<W.Scalar>,
        cache: UnsafeMutablePointer<W.Scalar>, scratch: UnsafeMutablePointer<W.Scalar>
    ) -> W.Scalar {
        var x = input
        for index in layers.indices {
            let layerState = state + stateOffsets[index]
            layers[index].forward(
                p + parameterOffsets[index], input: x, state: layerState,
                cache: cache + cacheOffsets[index], scratch: scratch)
            x = UnsafePointer(layerState)
        }
        let top = topHiddenSize
        let headCache = cache + headCacheOffset
        headCache.update(from: x, count: top)
        (headCache + top).update(from: input, count: inputSize)
        let head = p + headOffset
        return head[top].widened + Kernels.dot(weights: head, x, count: top)
            + Kernels.dot(weights: head + top + 1, input, count: inputSize)
    }

    /// Backpropagates one step given dL/d(prediction). `stateGradient` holds
    /// dL/d(state after the step) on entry and dL/d(state before it) on
    /// return; the step's pre-activation gradients are written to
    /// `preactivationGradient`; vector-parameter gradients are accumulated
    /// into `parameterGradient`. After the last step of a window,
    /// `accumulateWeightGradients` adds the weight-matrix gradients.
    @_specialize(exported:true,where T == Float)
    public func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, cache: UnsafePointer<T>, outputGradient dy: T,
        stateGradient: UnsafeMutablePointer<T>, preactivationGradient: UnsafeMutablePointer<T>,
        parameterGradient dp: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        let top = topHiddenSize
        let headCache = cache + headCacheOffset
        let head = p + headOffset
        let dHead = dp + headOffset
        Kernels.axpy(dy, headCache, into: dHead, count: top)
        dHead[top] += dy
        Kernels.axpy(dy, headCache + top, into: dHead + top + 1, count: inputSize)
        Kernels.axpy(dy, head, into: stateGradient + stateOffsets[layers.count - 1], count: top)

        let inputGradient = scratch
        let cellScratch = scratch + max(inputSize, top)
        for index in layers.indices.reversed() {
            layers[index].backward(
                p + parameterOffsets[index], cache: cache + cacheOffsets[index],
                stateGradient: stateGradient + stateOffsets[index],
                inputGradient: inputGradient,
                preactivationGradient: preactivationGradient + preactivationGradientOffsets[index],
                parameterGradient: dp + parameterOffsets[index], scratch: cellScratch)
            if index > 0 {
                // This layer's input was the h of the layer below at the same step.
                Kernels.axpy(
                    1, inputGradient, into: stateGradient + stateOffsets[index - 1],
                    count: layers[index - 1].hiddenSize)
            }
        }
    }

    /// Adds every layer's weight-matrix gradients for a window of `steps`
    /// steps, whose caches and pre-activation gradients lie one step after
    /// another (`cacheSize` and `preactivationGradientSize` apart).
    @_specialize(exported:true,where T == Float)
    public func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, preactivationGradients: UnsafePointer<T>, steps: Int,
        parameterGradient dp: UnsafeMutablePointer<T>
    ) {
        for index in layers.indices {
            layers[index].accumulateWeightGradients(
                caches: caches + cacheOffsets[index], cacheStride: cacheSize,
                preactivationGradients: preactivationGradients + preactivationGradientOffsets[index],
                gradientStride: preactivationGradientSize, steps: steps,
                parameterGradient: dp + parameterOffsets[index])
        }
    }
}
