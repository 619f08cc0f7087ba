import Foundation
import Logging
import StreamLSTM
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// What a replay did, for its summary line.
package struct ReplaySummary {
    package var files = 0
    package var failedFiles = 0
    package var samples = 0
    package var rejected = 0
    package var series = 0
    /// Alerts that started firing, and firing messages in all (re-sends and escalations too).
    package var incidents = 0
    package var firing = 0
    package var resolved = 0
    package var seconds = 0.0
    /// What a simulated user said, and how many of its verdicts were refused; nil without one.
    package var verdicts: (counts: SimulatedUser.Counts, refused: Int)?

    package var line: String {
        let rate = seconds > 0 ? Int((Double(samples) / seconds).rounded()) : 0
        var text =
            "replayed \(counted(files, "file")): \(counted(series, "series")), \(counted(samples, "sample")), "
            + "\(counted(incidents, "alert")) (\(firing - incidents) re-sent or escalated), \(resolved) resolved, "
            + "\(counted(rejected, "sample")) rejected; "
            + String(format: "%.2f s, %d samples/s", seconds, rate)
        if failedFiles > 0 { text += "; \(counted(failedFiles, "file")) failed" }
        if let verdicts {
            text +=
                "; simulated user: \(counted(verdicts.counts.total, "verdict")) (\(verdicts.counts.normal) normal, "
                + "\(verdicts.counts.confirmed) confirmed, \(verdicts.counts.missed) missed)"
            if verdicts.refused > 0 { text += ", \(verdicts.refused) refused" }
        }
        return text
    }
}

/// Feeds recordings through the live detection code (the same `SeriesBook`
/// a shard thread runs) on the calling thread, with a simulated clock:
/// sample timestamps, or a recording's receive times. Training jobs run
/// inline and are adopted before the next sample, so the same input and
/// config always give byte-identical results.
package final class Replayer {
    private let book: SeriesBook
    private let stats: EngineStats
    /// Real-time multiple; nil replays as fast as possible.
    private let speed: Double?
    /// The batch being processed, the next of its rows to be observed, and where results go.
    private var rows: [ReplayRow] = []
    private var nextRow = 0
    private var writer: ResultWriter?
    private var writeError: Error?
    private let plot: PlotCollector?
    /// The user of the source being replayed, if one is simulated, and the verdicts it gave during
    /// the batch being processed (applied once the batch is done, as a daemon's between two batches).
    private var user: SimulatedUser?
    private var verdicts: [Feedback] = []
    /// Verdicts given over every source, and those the series book refused.
    package private(set) var userCounts = SimulatedUser.Counts()
    package private(set) var refusedVerdicts = 0

    package init(
        config: EngineConfig, speed: Double?, plot: PlotCollector?, logger: Logger, alerts: any AlertSink
    ) {
        let stats = EngineStats()
        self.stats = stats
        self.speed = speed
        self.plot = plot
        let network = Network(inputSize: config.predictor.inputSize, model: config.predictor.model)
        let learns = config.training && config.predictor.training.enabled
        book = SeriesBook(
            label: "replay", config: config, stats: stats,
            prior: Predictor.initialWeights(network, seed: config.predictor.seed),
            trainer: learns
                ? InlineTrainer(network: network, maxWindow: config.predictor.training.window)
                : nil,
            learning: LearningSwitch(on: true), live: LiveSettingsBox(LiveSettings(config)),
            logger: logger, alerts: alerts)
        book.observer = { [unowned self] sample, result, firing, paged in observe(sample, result, firing, paged) }
    }

    package var seriesCount: Int { book.count }

    /// Samples accepted and rejected so far.
    package var counts: EngineStats.Snapshot { stats.snapshot }

    /// Replays one source; results go to `writer` when given. `progress` is
    /// told the fraction done now and then. `user`: a simulated user who gives verdicts on its alerts.
    package func replay(
        _ source: ReplaySource, writer: ResultWriter?, user: SimulatedUser? = nil, progress: (Double) -> Void
    ) throws {
        self.user = user
        defer {
            if let user = self.user { userCounts = userCounts + user.counts }
            self.user = nil
        }
        stats.add(rejections: source.rejections)
        plot?.begin(relativePath: source.relativePath)
        self.writer = writer
        defer { self.writer = nil }
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let clockStart = source.batches.first?.first?.clock ?? 0
        let step = max(1, source.batches.count / 100)
        // One string for every batch: the presence compares it by its storage before copying it.
        let producer = "recording \(source.relativePath)"
        for (index, batch) in source.batches.enumerated() {
            if let speed, let clock = batch.first?.clock {
                let due = wallStart + UInt64(max(0, (clock - clockStart) / speed * 1e9))
                let now = DispatchTime.now().uptimeNanoseconds
                if due > now { usleep(useconds_t(min(due - now, 1_000_000_000) / 1000)) }
            }
            (rows, nextRow) = (batch, 0)
            var samples = SampleBatch(samples: batch.map(\.sample), acceptOutOfOrder: source.acceptOutOfOrder)
            // Silence is judged on the recording's clock, as the daemon judges it on its own.
            if let clock = batch.first?.clock {
                book.sweepIfDue(now: clock)
                samples.receivedAt = clock
                samples.source = producer
            }
            book.process(samples)
            for verdict in verdicts {
                if case .failure = book.apply(verdict) { refusedVerdicts += 1 }
            }
            verdicts.removeAll(keepingCapacity: true)
            if let writeError { throw writeError }
            if index % step == 0 { progress(Double(index) / Double(source.batches.count)) }
        }
        book.endOfRecording()
        progress(1)
    }

    /// Called by the series book for every sample, in order.
    private func observe(_ sample: Sample, _ result: StepResult?, _ firing: Bool, _ paged: Bool) {
        let row = rows[nextRow]
        nextRow += 1
        plot?.add(row, result: result, firing: firing)
        if user != nil {
            verdicts += user!.observe(series: sample.key, at: sample.timestamp, firing: firing, paged: paged)
        }
        guard let writer, writeError == nil else { return }
        do { try writer.write(row, result: result, firing: firing, paged: paged) } catch { writeError = error }
    }
}
