import Testing

@testable import StreamLSTM

@Suite("Predictor serialisation")
struct SerializationTests {
    /// A predictor with every piece of state in use: trained, scored, mid-window.
    static func busyPredictor(config: PredictorConfig = PredictorConfig()) -> Driver {
        var driver = Driver(config: config)
        driver.feed(SyntheticSeries.sine(count: 700, period: 30, noise: 0.05, seed: 21))
        return driver
    }

    @Test(
        "A round trip is bit-exact and the copy continues exactly like the original",
        arguments: [
            PredictorConfig(),
            PredictorConfig(model: ModelConfig(cell: .gru, hiddenSize: 8, layers: 2), timeFeatures: true),
            PredictorConfig(
                model: ModelConfig(hiddenSize: 8, peepholes: true),
                training: TrainingConfig(every: 0)),
        ])
    func roundTrip(config: PredictorConfig) throws {
        let driver = Self.busyPredictor(config: config)
        let original = driver.predictor
        let bytes = original.serialized()
        let copy = try Predictor(serialized: bytes)
        #expect(copy.serialized() == bytes)
        #expect(copy.config == config)
        #expect(copy.modelVersion == original.modelVersion)
        #expect(copy.scorer.recent == original.scorer.recent && copy.scorer.recent != RecentRange())

        let workspace = Workspace(network: copy.network)
        let trainer = Trainer(network: copy.network, maxWindow: 64)
        for (t, value) in SyntheticSeries.sine(count: 100, period: 30, noise: 0.05, seed: 22).enumerated() {
            let a = try original.step(value: value, timestamp: Double(t), workspace: driver.workspace)
            let b = try copy.step(value: value, timestamp: Double(t), workspace: workspace)
            #expect(a == b)
            if let job = original.makeTrainingJob() { original.adopt(driver.trainer.run(job)) }
            if let job = copy.makeTrainingJob() { copy.adopt(trainer.run(job)) }
        }
        #expect(copy.serialized() == original.serialized())
    }

    @Test("Every single flipped bit is rejected with an error")
    func flippedBits() {
        let bytes = Self.busyPredictor(
            config: PredictorConfig(
                model: ModelConfig(hiddenSize: 4),
                training: TrainingConfig(every: 4, window: 8, heldOut: 2))
        )
        .predictor.serialized()
        var accepted = 0
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= UInt8(1 << bit)
                if (try? Predictor(serialized: damaged)) != nil { accepted += 1 }
            }
        }
        #expect(accepted == 0, "\(accepted) of \(bytes.count * 8) single-bit flips were accepted")
    }

    @Test("Every truncation is rejected with an error, and so is trailing garbage")
    func truncation() {
        let bytes = Self.busyPredictor().predictor.serialized()
        for length in 0..<bytes.count {
            #expect(throws: SerializationError.self) { try Predictor(serialized: Array(bytes.prefix(length))) }
        }
        #expect(throws: SerializationError.self) { try Predictor(serialized: bytes + [0]) }
    }

    @Test("Specific damage gives the specific error")
    func typedErrors() {
        let bytes = Self.busyPredictor().predictor.serialized()
        var foreign = bytes
        foreign[0] = UInt8(ascii: "X")
        #expect(throws: SerializationError.badMagic) { try Predictor(serialized: foreign) }
        var future = bytes
        future[4] = UInt8(Predictor.recordVersion + 1)
        #expect(throws: SerializationError.unsupportedVersion(Predictor.recordVersion + 1)) {
            try Predictor(serialized: future)
        }
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0x10
        #expect {
            try Predictor(serialized: damaged)
        } throws: { error in
            if case .checksumMismatch = error as? SerializationError { return true }
            return false
        }
        #expect(throws: SerializationError.truncated(needed: bytes.count, available: bytes.count - 1)) {
            try Predictor(serialized: Array(bytes.dropLast()))
        }
    }

    @Test("A well-formed record that describes an impossible predictor is invalid, not a crash")
    func impossibleConfig() {
        var bytes = Self.busyPredictor().predictor.serialized()
        // Hidden size is the u32 after the cell byte at the start of the payload: make it 0,
        // then re-seal the record so that only the content is wrong.
        for k in 0..<4 { bytes[Predictor.headerSize + 1 + k] = 0 }
        let sealed = Array(bytes.dropLast(4))
        var writer = ByteWriter()
        writer.write(CRC32.checksum(sealed[...]))
        #expect {
            try Predictor(serialized: sealed + writer.bytes)
        } throws: { error in
            if case .invalid = error as? SerializationError { return true }
            return false
        }
    }

    @Test("CRC-32 matches the standard check value")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
    }
}

@Suite("CRC-32")
struct CRC32Tests {
    @Test("The standard check value, and slicing-by-8 equal to the byte-wise reference at every length and offset")
    func matchesReference() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
        #expect(CRC32.checksum([][...]) == 0)
        var rng = SplitMix64(seed: 32)
        let bytes = (0..<300).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for start in 0..<9 {
            for end in start...bytes.count where (end - start) % 7 == 0 || end - start < 20 {
                #expect(CRC32.checksum(bytes[start..<end]) == CRC32.checksumBytewise(bytes[start..<end]))
            }
        }
    }
}
