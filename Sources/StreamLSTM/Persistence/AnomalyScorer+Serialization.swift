/// The scorer's part of the predictor record: every statistic of every
/// test, in a fixed order, so that a restored series scores its next sample
/// exactly as the original would have.
extension AnomalyScorer {
    func encode(into w: inout ByteWriter) {
        w.write(UInt64(count))
        w.write(UInt64(errorScale.count))
        w.write(errorScale.meanSquare)
        w.write(UInt64(likelihood.count))
        w.write(likelihood.recentRaw)
        w.write(likelihood.fit.mean)
        w.write(likelihood.fit.variance)
        w.write(UInt64(likelihood.fit.fitted))
        errorTail.encode(into: &w)
        w.write(daily.means)
        w.write(daily.counts)
        w.write(daily.firstTimestamp)
        w.write(daily.meanInterval)
        w.write(UInt64(daily.intervals))
        w.write(UInt64(dailyScale.count))
        w.write(dailyScale.meanSquare)
        dailyTail.encode(into: &w)
        w.write(UInt64(drift.count))
        for value in [drift.recentMean, drift.longMean, drift.longVariance] { w.write(value) }
        driftTail.encode(into: &w)
        w.write(UInt64(stuck.run))
        w.write(UInt64(stuck.count))
        w.write(stuck.previous)
        w.write(stuck.startRate)
        w.write(stuck.changeRate)
        w.write(stuck.changeRateBeforeRun)
        stuck.lengths.encode(into: &w)
        w.write(minimum)
        w.write(maximum)
        w.write(lastTimestamp != nil)
        w.write(lastTimestamp ?? 0)
        w.write(Int64(min(calmSamples, Int(Int64.max))))
        w.write(UInt64(incident.samples))
        w.write(UInt64(incident.calm))
        for values in [gains.gains, gains.forgiven, gains.forgivenScale] { w.write((0..<8).map { values[$0] }) }
        recent.encode(into: &w)
        w.write(UInt64(drift.clippedSpread.count))
        w.write(drift.clippedSpread.meanSquare)
        relativeDrop.encode(into: &w)
    }

    /// The scorer of a record laid out as `layout` says (a version 2 record's daily counts were floats).
    init(config: ScorerConfig, decoding r: inout ByteReader, layout: RecordLayout) throws(SerializationError) {
        let count = try r.readInt()
        let errorScale = RunningScale(
            timeConstant: Self.scaleTimeConstant, count: try r.readInt(),
            meanSquare: try r.readDouble())
        let likelihoodCount = try r.readInt()
        let recentRaw = try r.readFloats()
        guard recentRaw.count == config.shortWindow else {
            throw .invalid(
                "recent raw scores: \(recentRaw.count) values where the configuration needs \(config.shortWindow)")
        }
        let fit = GaussianFit(mean: try r.readDouble(), variance: try r.readDouble(), fitted: try r.readInt())
        let likelihood = ErrorLikelihood(config: config, count: likelihoodCount, recentRaw: recentRaw, fit: fit)
        let errorTail = try TailEstimator(
            timeConstant: config.distributionTimeConstant, shapePrior: Self.errorTailShapePrior, decoding: &r)
        let means = try r.readFloats()
        let counts =
            !layout.halves
            ? try r.readFloats().map { $0.isFinite ? UInt16(clamping: Int(min(max($0, 0), 65_535))) : 0 }
            : try r.readUInt16s()
        guard means.count == DailyProfile.bins, counts.count == DailyProfile.bins else {
            throw .invalid("daily profile of \(means.count) and \(counts.count) bins where \(DailyProfile.bins) belong")
        }
        let daily = DailyProfile(
            means: means, counts: counts, firstTimestamp: try r.readDouble(),
            meanInterval: try r.readDouble(), intervals: try r.readInt())
        let dailyScale = RunningScale(
            timeConstant: Self.scaleTimeConstant, count: try r.readInt(),
            meanSquare: try r.readDouble())
        let dailyTail = try TailEstimator(timeConstant: config.distributionTimeConstant, decoding: &r)
        // The clipped spread comes last in the record (version 7 added it); it is set there.
        var drift = LevelDrift(
            count: try r.readInt(), recentMean: try r.readDouble(), longMean: try r.readDouble(),
            longVariance: try r.readDouble(), clippedSpread: RunningScale(timeConstant: LevelDrift.longTimeConstant))
        let driftTail = try TailEstimator(timeConstant: config.distributionTimeConstant, decoding: &r)
        let stuck = StuckValue(
            run: try r.readInt(), count: try r.readInt(), previous: try r.readDouble(),
            startRate: try r.readDouble(), changeRate: try r.readDouble(),
            changeRateBeforeRun: try r.readDouble(),
            lengths: try TailEstimator(timeConstant: StuckValue.timeConstant, decoding: &r))
        let minimum = try r.readDouble()
        let maximum = try r.readDouble()
        let hasTimestamp = try r.readBool()
        let timestamp = try r.readDouble()
        let calm = Int(try r.read(Int64.self))
        let incident =
            layout.incident ? IncidentProgress(samples: try r.readInt(), calm: try r.readInt()) : IncidentProgress()
        var gains = SensitivityGains()
        if layout.gains {
            let values = [try r.readFloats(), try r.readFloats(), try r.readFloats()]
            guard values.allSatisfy({ $0.count == 8 }),
                let stored = SensitivityGains(
                    gains: SIMD8(values[0]), forgiven: SIMD8(values[1]), forgivenScale: SIMD8(values[2]))
            else { throw .invalid("sensitivity gains \(values) are not 3 x 8 values within their ranges") }
            gains = stored
        }
        let recent = layout.recentRange ? try RecentRange(decoding: &r) : RecentRange()
        // An older record kept the values' unclipped variance only: the clipped spread starts there (the
        // two differ by what outliers add).
        drift.clippedSpread =
            layout.clippedSpread
            ? RunningScale(
                timeConstant: LevelDrift.longTimeConstant, count: try r.readInt(), meanSquare: try r.readDouble())
            : RunningScale(
                timeConstant: LevelDrift.longTimeConstant, count: max(drift.count - 1, 0),
                meanSquare: drift.longVariance)
        // An older record had no such fits: they start empty, and are trusted as they fill.
        let relativeDrop =
            layout.relativeDrop
            ? try RelativeDrop(tailTimeConstant: config.distributionTimeConstant, decoding: &r)
            : RelativeDrop(tailTimeConstant: config.distributionTimeConstant)
        let statistics = [
            errorScale.meanSquare, fit.variance, dailyScale.meanSquare, daily.meanInterval,
            drift.longVariance, stuck.startRate, drift.clippedSpread.meanSquare, relativeDrop.scale.meanSquare,
        ]
        guard statistics.allSatisfy({ $0 >= 0 && $0.isFinite }), calm >= 0 else {
            throw .invalid("negative or non-finite score statistics")
        }
        self.init(
            config: config, count: count, errorScale: errorScale, likelihood: likelihood, errorTail: errorTail,
            daily: daily, dailyScale: dailyScale, dailyTail: dailyTail, drift: drift, driftTail: driftTail,
            relativeDrop: relativeDrop, stuck: stuck, minimum: minimum, maximum: maximum,
            lastTimestamp: hasTimestamp ? timestamp : nil, calmSamples: calm, incident: incident)
        self.gains = gains
        self.recent = recent
    }
}

extension RecentRange {
    func encode(into w: inout ByteWriter) {
        for values in [lows, highs] { for i in 0..<Self.days { w.write(values[i]) } }
        for extremes in [burstsToday, burstsYesterday] {
            w.write(extremes.low)
            w.write(extremes.high)
        }
        w.write(day)
        w.write(since)
    }

    init(decoding r: inout ByteReader) throws(SerializationError) {
        var lows = SIMD8<Double>()
        var highs = SIMD8<Double>()
        for i in 0..<Self.days { lows[i] = try r.readDouble() }
        for i in 0..<Self.days { highs[i] = try r.readDouble() }
        let today = Extremes(low: try r.readDouble(), high: try r.readDouble())
        let yesterday = Extremes(low: try r.readDouble(), high: try r.readDouble())
        let day = try r.read(Int64.self)
        let since = try r.readDouble()
        // Each day and each burst pair is empty (+∞, −∞) or two numbers, low ≤ high; before the first
        // sample (day Int64.min) everything is empty; a day number is one a timestamp can give.
        func valid(_ low: Double, _ high: Double) -> Bool {
            (low == .infinity && high == -.infinity) || (low.isFinite && high.isFinite && low <= high)
        }
        let pairs =
            (0..<Self.days).map { (lows[$0], highs[$0]) } + [(today.low, today.high), (yesterday.low, yesterday.high)]
        let empty = pairs.allSatisfy { $0.0 == .infinity && $0.1 == -.infinity }
        guard pairs.allSatisfy({ valid($0.0, $0.1) }),
            day == .min ? (empty && since == .infinity) : (abs(day) < Self.largestDay && since.isFinite)
        else {
            throw .invalid("recent range with a day that is not empty nor a low at most its high, or no first time")
        }
        self.init(lows: lows, highs: highs, burstsToday: today, burstsYesterday: yesterday, day: day, since: since)
    }
}

extension RelativeDrop {
    func encode(into w: inout ByteWriter) {
        w.write(UInt64(scale.count))
        w.write(scale.meanSquare)
        tail.encode(into: &w)
    }

    init(tailTimeConstant: Double, decoding r: inout ByteReader) throws(SerializationError) {
        self.init(
            scale: RunningScale(
                timeConstant: Self.scaleTimeConstant, count: try r.readInt(), meanSquare: try r.readDouble()),
            tail: try TailEstimator(timeConstant: tailTimeConstant, decoding: &r))
    }
}

extension TailEstimator {
    func encode(into w: inout ByteWriter) {
        w.write(UInt64(count))
        for value in [meanSquare, tailRate, tailWeight, excessMean, excessSquare] { w.write(value) }
    }

    init(timeConstant: Double, shapePrior: Double = 0, decoding r: inout ByteReader) throws(SerializationError) {
        self.init(
            timeConstant: timeConstant, count: try r.readInt(), meanSquare: try r.readDouble(),
            tailRate: try r.readDouble(), tailWeight: try r.readDouble(), excessMean: try r.readDouble(),
            excessSquare: try r.readDouble(), shapePrior: shapePrior)
        guard [meanSquare, tailRate, tailWeight, excessSquare].allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalid("negative or non-finite tail statistics")
        }
    }
}
