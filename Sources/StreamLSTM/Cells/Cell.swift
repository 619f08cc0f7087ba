/// The kinds of recurrent cell a network can be built from.
public enum CellKind: String, Sendable, Hashable, CaseIterable, Codable {
    case lstm, gru, rnn
}

/// One layer of a network: a concrete cell behind the `RecurrentCell` interface.
///
/// An enum rather than `any RecurrentCell` so that the hot path is a switch
/// over concrete types that the optimiser specialises, not a call through an
/// existential that would run unspecialised generic code.
public enum Cell: Sendable, Hashable {
    case lstm(LSTMCell)
    case gru(GRUCell)
    case rnn(RNNCell)

    public init(kind: CellKind, inputSize: Int, hiddenSize: Int, peepholes: Bool) {
        switch kind {
        case .lstm: self = .lstm(LSTMCell(inputSize: inputSize, hiddenSize: hiddenSize, peepholes: peepholes))
        case .gru: self = .gru(GRUCell(inputSize: inputSize, hiddenSize: hiddenSize))
        case .rnn: self = .rnn(RNNCell(inputSize: inputSize, hiddenSize: hiddenSize))
        }
    }

    public var base: any RecurrentCell {
        switch self {
        case .lstm(let cell): cell
        case .gru(let cell): cell
        case .rnn(let cell): cell
        }
    }

    public var hiddenSize: Int { base.hiddenSize }
    public var inputSize: Int { base.inputSize }
    public var parameterCount: Int { base.parameterCount }
    public var stateSize: Int { base.stateSize }
    public var cacheSize: Int { base.cacheSize }
    public var scratchSize: Int { base.scratchSize }
    public var preactivationGradientSize: Int { base.preactivationGradientSize }

    func initialize<T: NeuralScalar>(_ p: UnsafeMutablePointer<T>, using rng: inout SplitMix64) {
        switch self {
        case .lstm(let cell): cell.initialize(p, using: &rng)
        case .gru(let cell): cell.initialize(p, using: &rng)
        case .rnn(let cell): cell.initialize(p, using: &rng)
        }
    }

    @_specialize(where W == Float)
    @_specialize(where W == Float16)
    @inline(__always)
    func forward<W: StoredWeight>(
        _ p: UnsafePointer<W>, input: UnsafePointer<W.Scalar>, state: UnsafeMutablePointer<W.Scalar>,
        cache: UnsafeMutablePointer<W.Scalar>, scratch: UnsafeMutablePointer<W.Scalar>
    ) {
        switch self {
        case .lstm(let cell): cell.forward(p, input: input, state: state, cache: cache, scratch: scratch)
        case .gru(let cell): cell.forward(p, input: input, state: state, cache: cache, scratch: scratch)
        case .rnn(let cell): cell.forward(p, input: input, state: state, cache: cache, scratch: scratch)
        }
    }

    @_specialize(where T == Float)
    @inline(__always)
    func backward<T: NeuralScalar>(
        _ p: UnsafePointer<T>, cache: UnsafePointer<T>, stateGradient: UnsafeMutablePointer<T>,
        inputGradient: UnsafeMutablePointer<T>, preactivationGradient: UnsafeMutablePointer<T>,
        parameterGradient: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>
    ) {
        switch self {
        case .lstm(let cell):
            cell.backward(
                p, cache: cache, stateGradient: stateGradient, inputGradient: inputGradient,
                preactivationGradient: preactivationGradient, parameterGradient: parameterGradient,
                scratch: scratch)
        case .gru(let cell):
            cell.backward(
                p, cache: cache, stateGradient: stateGradient, inputGradient: inputGradient,
                preactivationGradient: preactivationGradient, parameterGradient: parameterGradient,
                scratch: scratch)
        case .rnn(let cell):
            cell.backward(
                p, cache: cache, stateGradient: stateGradient, inputGradient: inputGradient,
                preactivationGradient: preactivationGradient, parameterGradient: parameterGradient,
                scratch: scratch)
        }
    }

    @_specialize(where T == Float)
    func accumulateWeightGradients<T: NeuralScalar>(
        caches: UnsafePointer<T>, cacheStride: Int, preactivationGradients: UnsafePointer<T>,
        gradientStride: Int, steps: Int, parameterGradient: UnsafeMutablePointer<T>
    ) {
        switch self {
        case .lstm(let cell):
            cell.accumulateWeightGradients(
                caches: caches, cacheStride: cacheStride,
                preactivationGradients: preactivationGradients,
                gradientStride: gradientStride, steps: steps,
                parameterGradient: parameterGradient)
        case .gru(let cell):
            cell.accumulateWeightGradients(
                caches: caches, cacheStride: cacheStride,
                preactivationGradients: preactivationGradients,
                gradientStride: gradientStride, steps: steps,
                parameterGradient: parameterGradient)
        case .rnn(let cell):
            cell.accumulateWeightGradients(
                caches: caches, cacheStride: cacheStride,
                preactivationGradients: preactivationGradients,
                gradientStride: gradientStride, steps: steps,
                parameterGradient: parameterGradient)
        }
    }
}
