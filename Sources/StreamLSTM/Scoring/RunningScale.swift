/// The typical size of a signed quantity (a prediction error, a deviation
/// from the usual value at this time of day): an exponentially weighted root
/// mean square, with updates clipped at 6 scales so that one outlier moves it
/// by a bounded amount.
public struct RunningScale: Sendable, Hashable {
    public let timeConstant: Double
    public private(set) var count: Int = 0
    public private(set) var meanSquare: Double = 0

    /// Values observed before `scaled` answers: a spread from fewer is too rough.
    static let reportsAfter = 10
    static let updateClipInScales = 6.0

    public init(timeConstant: Double) {
        self.timeConstant = timeConstant
    }

    init(timeConstant: Double, count: Int, meanSquare: Double) {
        self.timeConstant = timeConstant
        self.count = count
        self.meanSquare = meanSquare
    }

    /// The scale, never below `floor` (nor 1e-9, so a flat series divides safely).
    public func scale(floor: Double = 0) -> Double {
        max(meanSquare.squareRoot(), floor, 1e-9)
    }

    /// `x` in scales, or nil while too few values have been seen.
    public func scaled(_ x: Double, floor: Double = 0) -> Double? {
        count >= Self.reportsAfter ? x / scale(floor: floor) : nil
    }

    public mutating func observe(_ x: Double, floor: Double = 0) {
        let size = count >= Self.reportsAfter ? min(abs(x), Self.updateClipInScales * scale(floor: floor)) : abs(x)
        count += 1
        meanSquare += max(1 / Double(count), 1 / timeConstant) * (size * size - meanSquare)
    }
}
