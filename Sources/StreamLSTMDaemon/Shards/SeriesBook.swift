import CPrefetch
import Foundation
import Logging
import StreamLSTM
import StreamLSTMVocabulary

/// What became of one sample, for replay's per-row output: the step's
/// result (nil when the sample was rejected), whether its series is firing
/// after it, and whether it paged (a new alert fired at it).
package typealias StepObserver = (_ sample: Sample, _ result: StepResult?, _ firing: Bool, _ paged: Bool) -> Void

/// The series of one shard and everything that happens to a sample: step
/// through its predictor, score, alert state, training. Owned by one thread
/// (a shard's, or the replaying one), so nothing here takes a lock; training
/// results come back through `inbox` and are adopted between batches, so the
/// live model is never torn or locked during a step.
package final class SeriesBook {
    private let config: EngineConfig
    private let stats: EngineStats
    private let alerts: any AlertSink
    private let logger: Logger
    private let label: String
    private var rejectionLog: RateLimitedLog
    private var series: [UInt64: SeriesState] = [:]
    /// Where each sample of the batch being processed goes (kept to reuse its storage).
    private var placements: [Placement] = []
    /// Steps taken, for sampling which ones are timed.
    private var steps = 0
    private let workspace: Workspace
    /// Weights new series start from, one copy for all of them.
    private let prior: [Float16]
    /// What a new series holds but for its identity's strings (`SeriesState.heldBytes`), charged when
    /// it is admitted.
    private lazy var newSeriesBytes: Int = {
        let probe = SeriesState(identity: SeriesIdentity(key: "new"), config: config.predictor, prior: prior)
        return probe.heldBytes - SeriesState.identityBytes(probe.record.identity)
    }()
    /// Nil when training is off.
    private let trainer: TrainingRunner?
    private let learning: LearningSwitch
    private let live: LiveSettingsBox
    /// Nil in a replay: nothing is silenced there.
    private let silences: SilenceBook?
    /// Training results for this book's series, waiting to be adopted.
    private let inbox = Protected<[(fingerprint: UInt64, result: TrainingResult)]>([])
    /// Told of every sample when set (replay); the live path leaves it nil.
    package var observer: StepObserver?
    /// Producers whose series went quiet together: shared with the other shards (live), or this book's own.
    private let storms: AbsenceStorms
    /// Which shard this book is, in the storms' reports.
    private let shard: Int
    /// No series is absent for a silence before this time: a restart is not the producers' silence
    /// (live: when the book was made; a replay: -∞). A series absent before it stays absent.
    private let absenceEpoch: Double
    /// When the book last swept for absent and expired series, on the judging clock.
    private var lastSweep = -Double.infinity
    /// No series can turn quiet, absent or expired before this time on the judging clock: the earliest
    /// `earliestDue` of every series, as the last sweep `sweepIfDue` made found them and as samples
    /// since have left them; it has nothing to find before then. -∞ in a book swept by its caller
    /// every second (the live daemon's), which keeps no such bound.
    private var nothingDueBefore = -Double.infinity

    package init(
        label: String, config: EngineConfig, stats: EngineStats, prior: [Float16], trainer: TrainingRunner?,
        learning: LearningSwitch, live: LiveSettingsBox, silences: SilenceBook? = nil, logger: Logger,
        alerts: any AlertSink, storms: AbsenceStorms? = nil, shard: Int = 0, absenceEpoch: Double = -.infinity
    ) {
        self.storms = storms ?? AbsenceStorms(alerts: alerts, stats: stats)
        self.shard = shard
        self.absenceEpoch = absenceEpoch
        self.live = live
        self.silences = silences
        self.label = label
        self.prior = prior
        self.trainer = trainer
        self.learning = learning
        self.config = config
        self.stats = stats
        self.alerts = alerts
        self.logger = logger
        var bookLogger = logger
        bookLogger[metadataKey: "series_book"] = "\(label)"
        rejectionLog = RateLimitedLog(logger: bookLogger, interval: 10)
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        workspace = Workspace(network: network)
    }

    package var count: Int { series.count }

    /// Every series as it stands, with the silences in force now (not as of its last sample).
    package var summaries: [SeriesSummary] {
        let settings = live.current
        for state in series.values { state.consult(rules: settings.rules, generation: settings.rulesGeneration) }
        if let active = silences?.current(now: Date().timeIntervalSince1970) {
            for state in series.values { state.consult(active, instance: config.instance) }
        }
        return series.values.map(\.summary)
    }

    /// Every series as it stands between two batches, detached from this book.
    package func snapshots() -> [SeriesSnapshot] {
        snapshots(of: fingerprints[...])
    }

    /// The series there are now, to snapshot a chunk at a time.
    package var fingerprints: [UInt64] { Array(series.keys) }

    /// Snapshots of these series (those still here).
    package func snapshots(of keys: ArraySlice<UInt64>) -> [SeriesSnapshot] {
        keys.compactMap { series[$0].map(SeriesSnapshot.init) }
    }

    /// Takes restored series over: `Engine.restore` has admitted them (and charged their bytes).
    package func restore(_ snapshots: [SeriesSnapshot]) {
        var absent = 0
        for snapshot in snapshots where series[snapshot.fingerprint] == nil {
            let state = snapshot.makeState()
            state.chargedBytes = state.heldBytes
            series[snapshot.fingerprint] = state
            if snapshot.record.presence.absence != nil { absent += 1 }
        }
        stats.changeAbsent(by: absent)
    }

    package func process(_ batch: SampleBatch) {
        var rejections = Rejections()
        var accepted = 0
        var firing = 0
        var incidents = 0
        var resolved = 0
        var training = [Int](repeating: 0, count: TrainingOutcome.allCases.count)
        adoptTrainingResults(counting: &training)
        let settings = live.current
        // Once per batch (switching learning takes effect from the next): binding the trainer, an
        // existential, for every sample cost a copy and a retain each, learning on or off.
        let learns = trainer != nil && learning.isOn
        // The silences in force, asked once per batch on the wall clock (silences are wall-clock times).
        let silenced = silences?.current(now: Date().timeIntervalSince1970)
        // At the series cap, series past `series_ttl` go before any new one is refused (at most once a second).
        if let now = batch.receivedAt, now - lastSweep >= 1, stats.series.load(ordering: .relaxed) >= config.maxSeries {
            sweep(now: now)
        }
        var absentChange = 0
        defer { stats.changeAbsent(by: absentChange) }
        // First every sample's series (found, or made in sample order), then the steps: so that while
        // one series steps, the next ones' memory can be on its way into the cache (`prefetch(after:in:)`).
        // Refusals are told in the second pass, in sample order, like every other outcome.
        defer { placements.removeAll(keepingCapacity: true) }  // no unretained series outlives the batch
        for sample in batch.samples { placements.append(placement(of: sample)) }
        for (index, sample) in batch.samples.enumerated() {
            let state: SeriesState
            switch placements[index] {
            case .series(let found): state = found.takeUnretainedValue()
            case .refused(let reason, let why):
                rejections.add(reason, why)
                observer?(sample, nil, false, false)
                continue
            }
            prefetch(after: index, in: batch.samples)
            if sample.timestamp < state.record.lastTimestamp && !batch.acceptOutOfOrder {
                rejections.add(
                    .outOfOrder, "\(sample.key): timestamp \(sample.timestamp) before \(state.record.lastTimestamp)")
                observer?(sample, nil, state.record.alert.isFiring, false)
                continue
            }
            // One step in 64 is timed: the clock would cost a tenth of a step.
            steps += 1
            let timed = stats.metrics != nil && steps & 63 == 0
            let start = timed ? DispatchTime.now().uptimeNanoseconds : 0
            // Its rule (matched at its first sample and after a reload that changed the rules) decides
            // how it alerts; before the silences, whose matching sees the rule's labels.
            state.consult(rules: settings.rules, generation: settings.rulesGeneration)
            let ruled = RuleApplication(state.rule, over: settings.alerts)
            if let silenced { state.consult(silenced, instance: config.instance) }
            let paused = state.silence?.pausesLearning == true
            let result: StepResult
            do {
                result = try state.predictor.step(
                    value: sample.value, timestamp: sample.timestamp,
                    workspace: workspace, alertThreshold: ruled.alerts.fireThreshold, learns: !paused)
            } catch {
                let reason: RejectReason =
                    switch error {
                    case .nonFiniteValue: .nonFiniteValue
                    case .valueOutOfRange: .valueOutOfRange
                    case .nonFiniteTimestamp: .badTimestamp
                    }
                rejections.add(reason, "\(sample.key): value \(sample.value) at \(sample.timestamp) refused")
                observer?(sample, nil, state.record.alert.isFiring, false)
                continue
            }
            if timed {
                stats.metrics?.stepDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            }
            accepted += 1
            // What a series holds grows as it goes (the blocks and copies verdicts look back at, an
            // incident's withheld samples): recharged every 64 samples, a few reads of capacities.
            if state.predictor.sampleCount & 63 == 0 { recharge(state) }
            // No training window may hold a silenced sample: training waits until the window has passed it.
            if paused { state.trainingHeldUntil = state.predictor.sampleCount + config.predictor.training.window }
            if !state.watched { state.watched = true }
            if let seen = batch.receivedAt {
                let previous = state.record.lastTimestamp
                // Compared first: the same string (one per input) costs a pointer comparison, not a retain.
                if let source = batch.source, state.record.presence.source != source {
                    state.record.presence.source = source
                }
                let gap = previous.isFinite ? sample.timestamp - previous : nil
                if let ended = state.record.presence.heard(
                    value: sample.value, timestamp: sample.timestamp, seen: seen, gap: gap)
                {
                    absentChange -= 1
                    if ended.announced {
                        resolved += 1
                        raiseAbsence(.resolved, of: state, since: ended.since, at: seen, rules: settings.alerts)
                    }
                }
                // Its cadence may have tightened: its silence may fall due sooner than the last sweep saw.
                if nothingDueBefore > -.infinity {
                    nothingDueBefore = min(nothingDueBefore, earliestDue(of: state, absence: settings.absence))
                }
            }
            state.record.lastTimestamp = max(state.record.lastTimestamp, sample.timestamp)
            state.record.lastScore = result.anomaly.score
            if let producer = batch.producer { state.producer = producer }
            let wasFiring = state.record.alert.isFiring
            let severityBefore = state.record.alert.firingSeverity
            let scores = ruled.scores(of: result, value: sample.value)
            let notices = state.record.alert.advance(
                score: scores.score, unheld: scores.unheld, at: sample.timestamp, rules: ruled.alerts)
            let paged = AlertState.pages(notices, wasFiring: wasFiring)
            for notice in notices {
                var alert = makeAlert(notice, state: state, sample: sample, result: result, rules: ruled.alerts)
                // An incident's notices carry the labels it fired with, whatever a reload makes of its rule
                // meanwhile: under other labels Alertmanager would hold a second alert, left firing.
                if case .firing = notice, paged { state.anomalyLabels = ruled.labels }
                alert.extraLabels = state.anomalyLabels ?? ruled.labels
                // The same incident at the same severity, announced before: a re-send.
                alert.isResend = alert.status == .firing && !paged && alert.severity == severityBefore
                if alert.status == .firing {
                    firing += 1
                    if paged { incidents += 1 }
                } else {
                    resolved += 1
                    // A short incident is still in the window: learn from it only once it has passed.
                    if state.record.firingSamples < settings.learnAfter {
                        state.record.trainingResumesAt = state.predictor.sampleCount + config.predictor.training.window
                    }
                }
                stats.metrics?.count(alert)
                alerts.take(alert)
            }
            state.record.firingSamples = state.record.alert.isFiring ? state.record.firingSamples + 1 : 0
            if state.anomalyLabels != nil && !state.record.alert.isFiring { state.anomalyLabels = nil }
            observer?(sample, result, state.record.alert.isFiring, paged)
            if learns, ruled.trains, state.mayTrain(learnAfter: settings.learnAfter), let trainer {
                scheduleTraining(state, on: trainer, settings: settings.training, counting: &training)
            }
        }
        stats.add(
            samples: accepted, rejections: rejections, firing: firing, incidents: incidents, resolved: resolved,
            training: training)
        // Refusals made here (out of order, past the series cap or the memory budget, a bad name) are
        // logged as the inputs log theirs: once per reason per 10 s, with an example of that reason.
        if rejections.total > 0 { rejectionLog.note(rejections) }
    }

    /// Applies a user's verdict to its series, between two batches (see `AnomalyScorer.learn`).
    ///
    /// `normal`: an alert open since the stretch or before resolves (reason `feedback`), and the next
    /// due training job is made whatever the alert state (the stretch is in its window when the
    /// verdict comes within `training.window` samples of it). `anomaly`: training holds off until the
    /// window no longer holds the stretch, whatever later verdicts say; an open alert stays open. Refused, changing nothing: an unknown series, or
    /// a stretch that starts after the series' newest sample.
    package func apply(_ feedback: Feedback) -> Result<FeedbackOutcome, FeedbackError> {
        let fingerprint = SeriesKey.fingerprint(feedback.series)
        guard let state = series[fingerprint], state.key == feedback.series else {
            return .failure(.unknownSeries(feedback.series))
        }
        guard feedback.from <= state.record.lastTimestamp else {
            return .failure(.inTheFuture(from: feedback.from, newest: state.record.lastTimestamp))
        }
        let rules = RuleApplication(state.rule, over: live.current.alerts).alerts  // the series' own thresholds
        var outcome = FeedbackOutcome()
        outcome.effect = state.predictor.learn(
            feedback.verdict, from: feedback.from, to: feedback.to, threshold: rules.fireThreshold)
        switch feedback.verdict {
        case .normal:
            let now = state.record.lastTimestamp
            if let notice = state.record.alert.resolveByFeedback(at: now, startedBy: feedback.to) {
                guard case .resolved(let since, let end, let severity) = notice else { preconditionFailure() }
                sendResolution(
                    of: state, since: since, end: end, at: now, severity: severity, value: .nan, rules: rules,
                    byFeedback: true)
                stats.add(resolved: 1)
                outcome.resolvedAlert = true
                state.record.firingSamples = 0
            }
            state.record.trainingResumesAt = 0
            state.trainSoon = true
            outcome.trainingSoon = true
        case .anomaly:
            let clear = state.predictor.sampleCount + config.predictor.training.window
            state.trainingHeldUntil = max(state.trainingHeldUntil, clear)
            state.trainSoon = false
            outcome.trainingHeldOff = true
        }
        return .success(outcome)
    }

    /// Where a sample of a batch goes: its series, or nowhere, and why. The series unretained: the
    /// book holds every series throughout a batch, and a retain would touch the object's memory,
    /// which `prefetch(after:in:)` asks for ahead of time instead.
    private enum Placement {
        case series(Unmanaged<SeriesState>)
        case refused(RejectReason, String)
    }

    /// Brings the next samples' series into the cache in stages, so that no step waits for memory:
    /// three samples ahead, the series object; two ahead, its predictor object (whose address the
    /// series object holds); one ahead, the weights, state and scorer lines (whose addresses the
    /// predictor holds).
    @inline(__always)
    private func prefetch(after index: Int, in batch: [Sample]) {
        if index + 3 < placements.count, case .series(let series) = placements[index + 3] {
            streamlstm_prefetch(series.toOpaque(), SeriesState.objectBytes)
        }
        if index + 2 < placements.count, case .series(let series) = placements[index + 2] {
            series._withUnsafeGuaranteedRef { $0.predictor.prefetchObject() }
        }
        if index + 1 < placements.count, case .series(let series) = placements[index + 1] {
            let timestamp = batch[index + 1].timestamp
            series._withUnsafeGuaranteedRef { $0.predictor.prefetchStorage(forSampleAt: timestamp) }
        }
    }

    /// The series a sample belongs to, made if it is new and there is room; refused if there is
    /// none or another key has its fingerprint.
    private func placement(of sample: Sample) -> Placement {
        if let existing = series[sample.fingerprint] {
            // Two keys with one 64-bit fingerprint: astronomically rare; keep the first.
            guard existing.key == sample.key else {
                return .refused(.seriesLimit, "fingerprint collision between \(existing.key) and \(sample.key)")
            }
            return .series(Unmanaged.passUnretained(existing))
        }
        // Admitted on an estimate of its identity's bytes (parsing the key costs a refused sample too
        // much in a flood), charged exactly once it is made.
        let estimate = newSeriesBytes + 2 * sample.key.utf8.count + 64
        switch stats.admitSeries(limit: config.maxSeries, bytes: estimate, budget: config.maxMemory) {
        case nil: break
        case .memoryLimit?:
            return .refused(.memoryLimit, "new series \(sample.key) past max_memory of \(config.maxMemory) bytes")
        case let reason?:
            return .refused(reason, "new series \(sample.key) past the cap of \(config.maxSeries)")
        }
        let identity = SeriesIdentity(key: sample.key, fingerprint: sample.fingerprint)
        let state = SeriesState(identity: identity, config: config.predictor, prior: prior)
        state.chargedBytes = newSeriesBytes + SeriesState.identityBytes(identity)
        stats.charge(state.chargedBytes - estimate)
        series[sample.fingerprint] = state
        return .series(Unmanaged.passUnretained(state))
    }

    private func scheduleTraining(
        _ state: SeriesState, on trainer: TrainingRunner, settings: TrainingConfig,
        counting training: inout [Int]
    ) {
        // Behind: skip without building the job (a window copy the shard would throw away).
        guard trainer.hasRoom else {
            if state.predictor.skipTrainingJob() { training[TrainingOutcome.skipped.rawValue] += 1 }
            return
        }
        guard var job = state.predictor.makeTrainingJob() else { return }
        if job.config != settings { job = job.tuned(settings) }  // changed by a reload
        let inbox = self.inbox
        let fingerprint = state.fingerprint
        if trainer.submit(job, deliver: { result in inbox.withLock { $0.append((fingerprint, result)) } }) {
            state.trainingInFlight = true
            state.trainSoon = false
            training[TrainingOutcome.started.rawValue] += 1
        } else {
            training[TrainingOutcome.skipped.rawValue] += 1
        }
    }

    /// Charges a series what it holds now against the memory budget.
    private func recharge(_ state: SeriesState) {
        let bytes = state.heldBytes
        stats.charge(bytes - state.chargedBytes)
        state.chargedBytes = bytes
    }

    /// Takes the results that came back since the last batch: between two samples, never during one.
    private func adoptTrainingResults(counting training: inout [Int]) {
        let results = inbox.withLock { waiting in
            defer { waiting.removeAll(keepingCapacity: true) }
            return waiting
        }
        for (fingerprint, result) in results {
            guard let state = series[fingerprint] else { continue }
            state.trainingInFlight = false
            // A silenced series' model does not move, not even by a job made before the silence.
            if state.silence?.pausesLearning == true {
                training[TrainingOutcome.stale.rawValue] += 1
                continue
            }
            let outcome: TrainingOutcome
            switch state.predictor.adopt(result) {
            case .adopted: outcome = .adopted
            case .rejected: outcome = .rejected
            case .rolledBack: outcome = .rolledBack
            case .stale: outcome = .stale
            }
            training[outcome.rawValue] += 1
            // A series that learned holds weights and moments of its own now.
            recharge(state)
        }
    }

    // MARK: Absence and expiry

    /// Judges every series' silence at `now` (the judging clock): a series past its deadline is
    /// absent (its open alert resolved, an absent alert raised unless its producer's storm speaks for
    /// it), one past `series_ttl` is forgotten. Live, the engine asks every second; a replay, as its
    /// clock passes each second.
    package func sweep(now: Double) {
        _ = sweep(now: now, bounding: false)
    }

    /// The sweep; `bounding`: also returns the earliest `earliestDue` of the series it leaves (else -∞).
    private func sweep(now: Double, bounding: Bool) -> Double {
        lastSweep = now
        let settings = live.current
        let absence = settings.absence
        var nothingDue = bounding ? Double.infinity : -.infinity
        var counts: [String: AbsenceStorms.Count] = [:]
        var due: [(state: SeriesState, deadline: Double)] = []
        // Judged and absent already: to announce, or to send again.
        var alreadyAbsent: [SeriesState] = []
        var unwatched: [SeriesState] = []
        var expired: [SeriesState] = []
        for state in series.values where state.watched {
            let presence = state.record.presence
            // Expiry counts from its last sample, across restarts; only a series from a checkpoint that
            // kept no presence (format 2) counts from the start.
            let heard = presence.lastSeen.isFinite ? presence.lastSeen : absenceEpoch
            guard heard.isFinite else { continue }
            if absence.seriesTTL > 0 && now - heard >= absence.seriesTTL {
                expired.append(state)
                continue
            }
            // Its rule may judge it where the daemon does not, or not at all, or after a multiple of its
            // own (matched here too: a reload that changed the rules meets series that send nothing).
            state.consult(rules: settings.rules, generation: settings.rulesGeneration)
            if bounding { nothingDue = min(nothingDue, earliestDue(of: state, absence: absence)) }
            guard let after = state.absent.multiple(enabled: absence.enabled, after: absence.after),
                let allowed = presence.allowedSilence(after: after, minimumSeconds: absence.minimumSeconds)
            else {
                // Not judged (any more: a reload switched it off): an absence it had ends here.
                if presence.absence != nil { unwatched.append(state) }
                continue
            }
            // Silence for being absent counts from the later of its last sample and this daemon's start:
            // a restart is not its producer's silence (with `clockGrace`).
            let since = max(presence.lastSeen, absenceEpoch)
            let silent = now - since + Self.clockGrace
            var count = counts[presence.source, default: AbsenceStorms.Count()]
            count.series += 1
            if presence.absence != nil || silent >= allowed / 2 {
                count.quiet += 1
                count.latestSeen = max(count.latestSeen, presence.lastSeen)
            }
            if presence.absence != nil {
                count.absent += 1
                alreadyAbsent.append(state)
            } else if silent >= allowed {
                count.absent += 1
                due.append((state, since + allowed))
            }
            counts[presence.source] = count
        }
        let storming = storms.report(
            shard: shard, counts: counts, now: now, settings: absence, resendInterval: settings.alerts.resendInterval)
        var tally = SweepTally()
        // In a fixed order (the book's dictionary has none), so that a replay's alerts are the same run to run.
        due.sort { ($0.deadline, $0.state.key) < ($1.deadline, $1.state.key) }
        for (state, deadline) in due {
            tally.resolved += resolveOpenAlert(of: state, at: deadline, rules: settings.alerts)
            state.record.presence.absence = SeriesPresence.Absence(since: deadline, announced: false)
            tally.absentChange += 1
        }
        // Absent series not announced (new ones, and those a producer's storm spoke for until it ended or
        // the daemon restarted) are announced one by one unless their producer is in a storm now;
        // announced ones are sent again every alerts.resend_interval, as a firing anomaly alert is.
        let silenced = silences?.current(now: Date().timeIntervalSince1970)
        let resendInterval = settings.alerts.resendInterval
        let toSend = (alreadyAbsent + due.map(\.state)).filter { state in
            state.record.presence.absence!.announced
                ? now - state.absentLastSent >= resendInterval : !storming.contains(state.record.presence.source)
        }
        for state in toSend.sorted(by: {
            ($0.record.presence.absence!.since, $0.key) < ($1.record.presence.absence!.since, $1.key)
        }) {
            let absent = state.record.presence.absence!
            if let silenced { state.consult(silenced, instance: config.instance) }
            tally.firing += 1
            if !absent.announced { tally.incidents += 1 }
            state.record.presence.absence?.announced = true
            raiseAbsence(
                .firing, of: state, since: absent.since, at: now, rules: settings.alerts, resend: absent.announced)
        }
        for state in unwatched.sorted(by: { $0.key < $1.key }) {
            endAbsence(of: state, at: now, rules: settings.alerts, into: &tally)
        }
        expired.sort { $0.key < $1.key }
        for state in expired {
            tally.resolved += resolveOpenAlert(of: state, at: now, rules: settings.alerts)
            endAbsence(of: state, at: now, rules: settings.alerts, into: &tally)
            series[state.fingerprint] = nil
            stats.expire(bytes: state.chargedBytes)
        }
        if !expired.isEmpty {
            logger.info(
                "series forgotten: no sample for series_ttl",
                metadata: [
                    "series_book": "\(label)", "count": "\(expired.count)", "first": "\(expired[0].key)",
                    "series_ttl": "\(absence.seriesTTL)",
                ])
        }
        stats.changeAbsent(by: tally.absentChange)
        stats.add(firing: tally.firing, incidents: tally.incidents, resolved: tally.resolved)
        return nothingDue
    }

    /// What a sweep changed, for the counters.
    private struct SweepTally {
        /// Firing notices, and the new incidents among them (not re-sends).
        var firing = 0
        var incidents = 0
        var resolved = 0
        var absentChange = 0
    }

    /// Ends a series' absence without a sample (it expired, or its silence is no longer judged),
    /// resolving its absent alert if one went out.
    private func endAbsence(of state: SeriesState, at time: Double, rules: AlertRules, into tally: inout SweepTally) {
        guard let gone = state.record.presence.absence else { return }
        state.record.presence.absence = nil
        tally.absentChange -= 1
        guard gone.announced else { return }
        tally.resolved += 1
        raiseAbsence(.resolved, of: state, since: gone.since, at: time, rules: rules)
    }

    /// A microsecond: a deadline computed from learned factors may lie a rounding error past the second
    /// the clock reaches.
    static let clockGrace = 1e-6

    /// The earliest time on the judging clock at which `state` may count as quiet (half its allowed
    /// silence: a producer's storm counts it from there), be absent or expire, should it send nothing
    /// more; +∞ for a series with nothing to fall due. As `sweep` judges it, a grace early.
    private func earliestDue(of state: SeriesState, absence: AbsenceSettings) -> Double {
        // Absent already: its alert is sent again, or ends if a reload stopped judging it.
        guard state.record.presence.absence == nil else { return -.infinity }
        let lastSeen = state.record.presence.lastSeen
        let heard = lastSeen.isFinite ? lastSeen : absenceEpoch
        guard heard.isFinite else { return .infinity }
        var due = absence.seriesTTL > 0 ? heard + absence.seriesTTL : .infinity
        if let after = state.absent.multiple(enabled: absence.enabled, after: absence.after),
            let allowed = state.record.presence.allowedSilence(after: after, minimumSeconds: absence.minimumSeconds)
        {
            due = min(due, max(lastSeen, absenceEpoch) + allowed / 2)
        }
        return due - Self.clockGrace
    }

    /// Sweeps when the judging clock has passed a second since the last sweep (a replay's clock), unless
    /// the last sweep showed that nothing can be due yet: a replay of 5-minute samples would otherwise
    /// sweep at every sample. For a book whose settings do not change between two sweeps (a replay's).
    package func sweepIfDue(now: Double) {
        guard now - lastSweep >= 1 else { return }
        // A sweep skipped counts as made (it would have found nothing): the seconds swept, and so when
        // a deadline is found, stay those of sweeping every time, whatever the clock's steps.
        if now >= nothingDueBefore { nothingDueBefore = sweep(now: now, bounding: true) } else { lastSweep = now }
    }

    /// The end of a recording: its series stop, but that is not their producer's silence; they are
    /// judged again from their next sample.
    package func endOfRecording() {
        for state in series.values { state.watched = false }
        // The next recording's clock may run behind this one's.
        lastSweep = -.infinity
        nothingDueBefore = -.infinity
    }

    /// Resolves the series' open alert (a series that stopped reporting has no incident in its values
    /// any more, and an alert left firing would fire until a sample came); returns 1 if there was one.
    private func resolveOpenAlert(of state: SeriesState, at time: Double, rules: AlertRules) -> Int {
        guard case .firing(let since, _, let severity, _, _) = state.record.alert else {
            if case .pending = state.record.alert { state.record.alert = .normal(quietUntil: -.infinity) }
            return 0
        }
        state.record.alert = .normal(quietUntil: -.infinity)
        state.record.firingSamples = 0
        sendResolution(
            of: state, since: since, end: time, at: time, severity: severity, value: state.record.presence.lastValue,
            rules: rules, byFeedback: false)
        return 1
    }

    /// Sends the resolution of the series' anomaly alert that no sample of its own brought (a user's
    /// verdict, or silence taking over), under the labels it fired with: under others Alertmanager
    /// would hold that one open.
    private func sendResolution(
        of state: SeriesState, since: Double, end: Double, at time: Double, severity: Severity, value: Double,
        rules: AlertRules, byFeedback: Bool
    ) {
        var alert = Alert(
            status: .resolved, severity: severity, series: state.record.identity, startsAt: since, endsAt: end,
            sampleTime: time, value: value, predicted: nil, lower: .nan, upper: .nan, score: state.record.lastScore,
            threshold: rules.fireThreshold, reason: .predictionError, modelVersion: state.predictor.modelVersion,
            silence: state.silence?.id, resolvedByFeedback: byFeedback)
        alert.extraLabels = state.anomalyLabels ?? state.routing.labels
        state.anomalyLabels = nil
        stats.metrics?.count(alert)
        alerts.take(alert)
    }

    /// The series' absent alert, firing or resolved.
    private func raiseAbsence(
        _ status: Alert.Status, of state: SeriesState, since: Double, at time: Double, rules: AlertRules,
        resend: Bool = false
    ) {
        // Routed as the series' other alerts (its rule's labels and severity), and resolved under what it
        // fired with.
        let current = state.routing
        if status == .firing { state.absentLabels = current }
        let (labels, severity) = state.absentLabels ?? current
        if status == .resolved { state.absentLabels = nil }
        var alert = Alert.absent(
            status, of: state.record, since: since, at: time,
            endsAt: status == .firing ? time + 4 * rules.resendInterval : time,
            modelVersion: state.predictor.modelVersion, severity: severity)
        alert.silence = state.silence?.id
        alert.extraLabels = labels
        alert.isResend = resend
        if status == .firing { state.absentLastSent = time }
        stats.metrics?.count(alert)
        alerts.take(alert)
    }

    private func makeAlert(
        _ notice: AlertState.Notice, state: SeriesState, sample: Sample, result: StepResult,
        rules: AlertRules
    ) -> Alert {
        let status: Alert.Status
        let severity: Severity
        let since: Double
        let ends: Double
        switch notice {
        case .firing(let start, let level):
            (status, severity, since) = (.firing, level, start)
            // Alertmanager's convention: taken as over unless re-sent before then.
            ends = sample.timestamp + 4 * rules.resendInterval
        case .resolved(let start, let end, let level):
            (status, severity, since, ends) = (.resolved, level, start, end)
        }
        return Alert(
            status: status, severity: severity, series: state.record.identity,
            startsAt: since, endsAt: ends, sampleTime: sample.timestamp, value: sample.value,
            predicted: result.predicted, lower: result.lower, upper: result.upper,
            score: result.anomaly.score, threshold: rules.fireThreshold,
            reason: result.anomaly.reason, modelVersion: state.predictor.modelVersion, silence: state.silence?.id)
    }
}
