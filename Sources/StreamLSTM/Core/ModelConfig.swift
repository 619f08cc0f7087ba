/// The architecture of a network: which cell, how wide, how deep.
public struct ModelConfig: Sendable, Hashable, Codable {
    public var cell: CellKind
    public var hiddenSize: Int
    public var layers: Int
    /// Peephole connections; LSTM only.
    public var peepholes: Bool

    public init(cell: CellKind = .lstm, hiddenSize: Int = 16, layers: Int = 1, peepholes: Bool = false) {
        self.cell = cell
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.peepholes = peepholes
    }

    /// Why this configuration cannot be built, or nil if it can.
    public var problem: String? {
        if hiddenSize < 1 || hiddenSize > 1024 { return "hidden size \(hiddenSize) is outside 1...1024" }
        if layers < 1 || layers > 8 { return "layer count \(layers) is outside 1...8" }
        if peepholes && cell != .lstm { return "peephole connections exist only for the LSTM cell" }
        return nil
    }
}
