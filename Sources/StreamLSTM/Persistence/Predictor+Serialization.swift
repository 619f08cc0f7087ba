/// The predictor record: a whole series' state as bytes and back.
///
///     "SLSM" | version u16 | reserved u16 | payload length u32 | payload | CRC-32 u32
///
/// All little-endian; the CRC covers everything before it. Floats are stored
/// as bit patterns, so a round trip is bit-exact and a restored predictor
/// continues exactly as the original would have. Version 7 adds the values'
/// clipped spread (older records start it at the unclipped one). Version 6
/// adds the recent range (its margin and its days; older records start it
/// empty, with the test off when read without a configuration). Version 5 adds the
/// sensitivity gains that users' verdicts set (read as neutral from older
/// records). Version 4 adds the scorer's
/// incident (its progress and `incidentWorth`); version 3 keeps weights and
/// moments in the 16 bits a series holds them in, and its records are read as
/// in no incident, with `incidentWorth` 0 (how they were scored); version 2
/// records (32-bit weights and moments) are read and narrowed. The payload holds the
/// configuration (a record is readable on its own) and then every piece of
/// state, in the order of `encodeState`.
extension Predictor {
    static let recordMagic: [UInt8] = Array("SLSM".utf8)
    public static let recordVersion = RecordLayout.newest
    static let headerSize = 12

    /// The whole per-series state as a versioned, checksummed record.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        for byte in Self.recordMagic { writer.write(byte) }
        writer.write(Self.recordVersion)
        writer.write(UInt16(0))
        writer.write(UInt32(0))  // payload length, filled in below
        Self.encode(config, into: &writer)
        encodeState(into: &writer)
        writer.overwrite(UInt32(writer.bytes.count - Self.headerSize), at: 8)
        writer.write(CRC32.checksum(writer.bytes[...]))
        return writer.bytes
    }

    /// Restores a predictor from a record; damaged, truncated or foreign
    /// bytes give a `SerializationError`, never a crash. With `current`, the
    /// predictor runs under that configuration instead of the stored one, if
    /// the state has the same shape under both (scorer thresholds, the
    /// normaliser, learning rates may differ; the model may not).
    ///
    /// `checksummed: false` skips the record's own CRC: only for bytes that a checksum of the
    /// caller's has covered already (a checkpoint's entry frame), which would otherwise be read twice.
    public convenience init(
        serialized bytes: [UInt8], configuredAs current: PredictorConfig? = nil, checksummed: Bool = true
    ) throws(SerializationError) {
        try self.init(serialized: bytes[...], configuredAs: current, checksummed: checksummed)
    }

    /// The same from bytes inside a larger buffer (a checkpoint entry), read where they lie.
    public convenience init(
        serialized bytes: ArraySlice<UInt8>, configuredAs current: PredictorConfig? = nil, checksummed: Bool = true
    ) throws(SerializationError) {
        let start = bytes.startIndex  // a slice keeps its buffer's indices
        guard bytes.count >= 4, Array(bytes[start..<(start + 4)]) == Self.recordMagic else { throw .badMagic }
        var header = ByteReader(bytes[(start + 4)...])
        let version = try header.read(UInt16.self)
        guard (RecordLayout.oldest...RecordLayout.newest).contains(version) else {
            throw .unsupportedVersion(version)
        }
        _ = try header.read(UInt16.self)
        let payloadLength = Int(try header.read(UInt32.self))
        let total = Self.headerSize + payloadLength + 4
        guard bytes.count >= total else { throw .truncated(needed: total, available: bytes.count) }
        guard bytes.count == total else { throw .invalid("\(bytes.count - total) bytes after the record") }
        let end = start + total
        var tail = ByteReader(bytes[(end - 4)...])
        let stored = try tail.read(UInt32.self)
        if checksummed {
            let computed = CRC32.checksum(bytes[start..<(end - 4)])
            guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        }

        var reader = ByteReader(bytes[(start + Self.headerSize)..<(end - 4)])
        let layout = RecordLayout(version: version)
        let recorded = try Self.decodeConfig(from: &reader, layout: layout)
        if let problem = recorded.problem { throw .invalid(problem) }
        if let current, let difference = Self.shapeDifference(recorded, current) { throw .incompatible(difference) }
        self.init(restoring: current ?? recorded)
        try decodeState(from: &reader, layout: layout)
        guard reader.remaining == 0 else { throw .invalid("\(reader.remaining) unread payload bytes") }
    }

    /// What makes the state of one configuration unusable under another, or nil.
    static func shapeDifference(_ a: PredictorConfig, _ b: PredictorConfig) -> String? {
        if a.model != b.model { return "model \(a.model) vs \(b.model)" }
        if a.timeFeatures != b.timeFeatures { return "time features \(a.timeFeatures) vs \(b.timeFeatures)" }
        if a.training.every != b.training.every || a.training.window != b.training.window {
            return
                "training every \(a.training.every) over \(a.training.window) vs every \(b.training.every) over \(b.training.window)"
        }
        if a.scorer.shortWindow != b.scorer.shortWindow {
            return "score window \(a.scorer.shortWindow) vs \(b.scorer.shortWindow)"
        }
        return nil
    }

    // MARK: State

    private func encodeState(into w: inout ByteWriter) {
        w.write(UInt64(sampleCount))
        w.write(UInt64(modelVersion))
        w.write(UInt64(lastJobAt))
        w.write(forecast != nil)
        w.write(forecast ?? 0)
        w.write(residualMeanSquare)
        w.write(normalizer.mean)
        w.write(normalizer.variance)
        w.write(UInt64(normalizer.count))
        w.write(Int64(normalizer.outlierRun))
        scorer.encode(into: &w)
        w.write(weights)
        w.write(previousWeights)
        w.write(moments.first)
        w.write(moments.secondRoot)
        w.write(Int64(moments.firstExponent))
        w.write(Int64(moments.secondExponent))
        w.write(UInt64(moments.step))
        w.write(state)
        w.write(historyInputs)
        w.write(historyTargets)
        w.write(stateSnapshots)
    }

    private func decodeState(from r: inout ByteReader, layout: RecordLayout) throws(SerializationError) {
        sampleCount = try r.readInt()
        modelVersion = try r.readInt()
        lastJobAt = try r.readInt()
        let hasForecast = try r.readBool()
        let forecastValue = try r.readDouble()
        forecast = hasForecast ? forecastValue : nil
        residualMeanSquare = try r.readDouble()
        normalizer = Normalizer(
            config: config.normalizer, mean: try r.readDouble(), variance: try r.readDouble(),
            count: try r.readInt(), outlierRun: Int(try r.read(Int64.self)))
        scorer = try AnomalyScorer(config: config.scorer, decoding: &r, layout: layout)
        if layout.halves {
            weights = try r.readHalves()
            previousWeights = try r.readHalves()
            let first = try r.readHalves()
            let secondRoot = try r.readHalves()
            let exponents = (Int(try r.read(Int64.self)), Int(try r.read(Int64.self)))
            // A moment scaled beyond a float's exponents cannot have been written.
            guard abs(exponents.0) < 300, abs(exponents.1) < 300 else { throw .invalid("Adam moment scales") }
            try expectMoments(first.count, secondRoot.count)
            moments = StoredMoments(
                first: first, secondRoot: secondRoot, firstExponent: exponents.0, secondExponent: exponents.1,
                step: try r.readInt())
        } else {
            weights = HalfPrecision.roundedToNearest(try r.readFloats())
            previousWeights = HalfPrecision.roundedToNearest(try r.readFloats())
            let first = try r.readFloats()
            let second = try r.readFloats()
            try expectMoments(first.count, second.count)
            var rng = SplitMix64(seed: config.seed ^ UInt64(sampleCount))
            let state = AdamState(firstMoment: first, secondMoment: second, step: try r.readInt())
            moments = first.isEmpty ? .none : StoredMoments(state, using: &rng)
        }
        try expect(weights.count, network.parameterCount, "weights")
        try expect(previousWeights.count, network.parameterCount, "previous weights")
        state = try r.readFloats()
        try expect(state.count, network.stateSize, "recurrent state")
        historyInputs = try r.readFloats()
        historyTargets = try r.readFloats()
        stateSnapshots = try r.readFloats()
        let learning = config.training.enabled
        try expect(historyInputs.count, learning ? Self.historySlots(config) * network.inputSize : 0, "input history")
        try expect(historyTargets.count, learning ? Self.historySlots(config) : 0, "target history")
        try expect(
            stateSnapshots.count, learning ? Self.snapshotSlots(config) * network.stateSize : 0,
            "state snapshots")
        guard normalizer.variance >= 0, residualMeanSquare >= 0 else {
            throw .invalid("negative or non-finite statistics")
        }
    }

    /// None before the first training run, then one of each per parameter.
    private func expectMoments(_ first: Int, _ second: Int) throws(SerializationError) {
        try expect(first, first == 0 ? 0 : network.parameterCount, "Adam first moments")
        try expect(second, first, "Adam second moments")
    }

    private func expect(_ count: Int, _ wanted: Int, _ what: String) throws(SerializationError) {
        guard count == wanted else {
            throw .invalid("\(what): \(count) values where the configuration needs \(wanted)")
        }
    }

    // MARK: Configuration

    /// The scorer's settings the record keeps as a run of doubles, in record order: one list for
    /// writing and reading, so that the two cannot disagree.
    private static let scorerDoubles: [WritableKeyPath<ScorerConfig, Double> & Sendable] = [
        \.distributionTimeConstant, \.meanFloor, \.varianceFloor, \.spikeSensitivity, \.dailySensitivity,
        \.driftSensitivity, \.stuckSensitivity, \.residualFloor, \.outOfRangeMargin, \.minimumAbsoluteDeviation,
        \.minimumRelativeDeviation, \.threshold,
    ]

    /// The training settings the record keeps as a run of doubles, in record order.
    private static let trainingDoubles: [WritableKeyPath<TrainingConfig, Double> & Sendable] = [
        \.optimizer.learningRate, \.optimizer.beta1, \.optimizer.beta2, \.optimizer.epsilon, \.gradientClip,
    ]

    private static func encode(_ c: PredictorConfig, into w: inout ByteWriter) {
        w.write(cellCode(c.model.cell))
        w.write(UInt32(c.model.hiddenSize))
        w.write(UInt32(c.model.layers))
        w.write(c.model.peepholes)
        w.write(c.timeFeatures)
        w.write(c.normalizer.timeConstant)
        w.write(c.normalizer.updateClip)
        w.write(UInt32(c.normalizer.shiftPatience))
        w.write(c.normalizer.inputClip)
        let s = c.scorer
        w.write(s.errorScale)
        w.write(UInt32(s.shortWindow))
        w.write(UInt32(s.learningPeriod))
        w.write(UInt32(s.warmUp))
        for field in scorerDoubles { w.write(s[keyPath: field]) }
        w.write(UInt32(s.refractory))
        w.write(UInt32(s.incidentWorth))
        w.write(s.recentRangeMargin)
        let t = c.training
        w.write(UInt32(t.every))
        w.write(UInt32(t.window))
        for field in trainingDoubles { w.write(t[keyPath: field]) }
        w.write(UInt32(t.heldOut))
        w.write(c.seed)
    }

    private static func decodeConfig(
        from r: inout ByteReader, layout: RecordLayout
    ) throws(SerializationError) -> PredictorConfig {
        var c = PredictorConfig()
        c.model.cell = try cellKind(try r.read(UInt8.self))
        c.model.hiddenSize = Int(try r.read(UInt32.self))
        c.model.layers = Int(try r.read(UInt32.self))
        c.model.peepholes = try r.readBool()
        c.timeFeatures = try r.readBool()
        c.normalizer.timeConstant = try r.readDouble()
        c.normalizer.updateClip = try r.readDouble()
        c.normalizer.shiftPatience = Int(try r.read(UInt32.self))
        c.normalizer.inputClip = try r.readDouble()
        c.scorer.errorScale = try r.readDouble()
        c.scorer.shortWindow = Int(try r.read(UInt32.self))
        c.scorer.learningPeriod = Int(try r.read(UInt32.self))
        c.scorer.warmUp = Int(try r.read(UInt32.self))
        for field in scorerDoubles { c.scorer[keyPath: field] = try r.readDouble() }
        c.scorer.refractory = Int(try r.read(UInt32.self))
        c.scorer.incidentWorth = layout.incident ? Int(try r.read(UInt32.self)) : 0
        c.scorer.recentRangeMargin = layout.recentRange ? try r.readDouble() : -1
        c.training.every = Int(try r.read(UInt32.self))
        c.training.window = Int(try r.read(UInt32.self))
        for field in trainingDoubles { c.training[keyPath: field] = try r.readDouble() }
        c.training.heldOut = Int(try r.read(UInt32.self))
        c.seed = try r.read(UInt64.self)
        return c
    }

    private static func cellCode(_ kind: CellKind) -> UInt8 {
        switch kind {
        case .lstm: 0
        case .gru: 1
        case .rnn: 2
        }
    }

    private static func cellKind(_ code: UInt8) throws(SerializationError) -> CellKind {
        switch code {
        case 0: .lstm
        case 1: .gru
        case 2: .rnn
        default: throw .invalid("unknown cell kind \(code)")
        }
    }
}
