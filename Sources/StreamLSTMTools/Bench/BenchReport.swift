import Foundation
import StreamLSTM
import StreamLSTMDaemon

/// What `streamlstmd bench` prints: the benchmarks' results as lines, so that the command only
/// runs them and prints what these give.
package enum BenchReport {
    /// The warning a debug build prints first: its numbers mean little.
    package static var debugBuildWarning: String? {
        #if DEBUG
            "warning: this is a debug build; its numbers mean little. Use `swift build -c release`."
        #else
            nil
        #endif
    }

    /// `bench alertmanager`: runs with no Alertmanager and with one away, paired in turns.
    package static func alertmanager(
        series: Int, none: [AlertmanagerBenchmark.Result], away: [AlertmanagerBenchmark.Result]
    ) -> [String] {
        func line(_ name: String, _ results: [AlertmanagerBenchmark.Result]) -> String {
            let p50 = results.map { $0.quantile(0.5) * 1e6 }.sorted()
            let p99 = results.map { $0.quantile(0.99) * 1e6 }.sorted()
            return String(
                format: "  %@: p50 %.2f us, p99 %.2f us per sample (medians of %d runs); %d alerts raised, %d dropped",
                name, p50[p50.count / 2], p99[p99.count / 2], results.count, results.last?.alertsTaken ?? 0,
                results.last?.dropped ?? 0)
        }
        let ratio = zip(away, none).map { $0.quantile(0.99) / $1.quantile(0.99) }.sorted()
        return [
            "streamlstmd bench alertmanager: \(series) series firing, every sample re-sending, one shard",
            line("no Alertmanager", none),
            line("Alertmanager away", away),
            String(format: "  p99 away / none: x%.2f (median of paired runs)", ratio[ratio.count / 2]),
        ]
    }

    /// `bench checkpoint`: the lines above the rows.
    package static func checkpointHeader(config: PredictorConfig, directory: String) -> [String] {
        [
            "streamlstmd bench checkpoint: learned series, H=\(config.model.hiddenSize), snapshots in chunks of "
                + "\(Shard.snapshotChunk), in \(directory)",
            "series      file size     bytes/series  longest pause      write (encode+fsync)  restore",
        ]
    }

    /// `bench checkpoint`: one row.
    package static func checkpointRow(_ r: CheckpointBenchmark.Result) -> String {
        String(
            format: "%-11d %8.1f MB   %12d  %11.1f ms       %9.2f s          %6.2f s", r.series,
            Double(r.bytes) / 1e6, r.bytes / r.series, r.pauseSeconds * 1e3, r.writeSeconds,
            r.restoreSeconds)
    }

    /// `bench model`: the lines above the rows.
    package static func modelHeader(seconds: Double, window: Int) -> [String] {
        [
            "streamlstmd bench model: LSTM, 1 layer, input = value, single thread, best of \(seconds) s each",
            "  H   forward step   Predictor.step   forward steps/s   train update (W=\(window))   updates/s"
                + "   judged job   state bytes   RSS/series   record bytes",
        ]
    }

    /// `bench model`: one row.
    package static func modelRow(_ row: ModelBenchmark.Row) -> String {
        String(
            format: "%3d   %9.1f ns   %11.1f ns   %15.0f   %20.2f µs   %9.0f   %7.1f µs   %11d   %10.0f   %12d",
            row.hiddenSize, row.forwardNanoseconds, row.stepNanoseconds, 1e9 / row.forwardNanoseconds,
            row.trainingMicroseconds, 1e6 / row.trainingMicroseconds, row.judgedJobMicroseconds,
            row.ownedBytes, row.residentBytes, row.recordBytes)
    }

    /// `bench model`: the lines below the rows; the default predictor's costs measured here.
    package static func modelFooter(_ benchmark: ModelBenchmark, window: Int) -> [String] {
        let defaults = PredictorConfig()
        let predictor = ModelBenchmark.trained(defaults)
        return [
            "(judged job: a daemon's training job, the update on the window less \(window / 4) held-out steps, "
                + "then live, candidate and previous weights judged on those)",
            String(
                format: "default predictor (H=%d, window %d, train every %d): %d state bytes, %.0f RSS bytes/series, "
                    + "%d record bytes", defaults.model.hiddenSize, defaults.training.window,
                defaults.training.every, predictor.ownedBytes,
                benchmark.residentCostInFreshProcess(hiddenSize: defaults.model.hiddenSize, window: nil),
                predictor.serialized().count),
        ]
    }

    /// `bench daemon`: one run, learning on or off (`options.training`).
    package static func daemon(_ result: DaemonBenchmark.Result, options: DaemonBenchmark.Options) -> [String] {
        let learning = options.training
        var lines = [
            "streamlstmd bench daemon: \(options.series) series, H = \(options.hiddenSize), \(options.batch) lines per message, "
                + "training \(learning ? "on (K = 16, W = 32)" : "off"), \(options.shards) shards"
                + (options.curve ? ", CURVE on both sockets" : ", plain text")
                + String(format: ", %.0f%% of series on weights of their own", 100 * result.learnedShare),
            String(
                format: "  throughput: %.0f samples/s; processed %d of %d sent, %d rejected",
                result.samplesPerSecond, result.processed, result.expected, result.rejected),
        ]
        if learning {
            lines.append(
                String(
                    format: "  training: %.0f jobs/s started at full load (%.0f%% of due jobs skipped), "
                        + "%.0f jobs/s at half load", result.trainingUpdatesPerSecond, 100 * result.skippedFraction,
                    result.trainingAtHalfLoad))
        }
        lines.append(
            String(
                format: "  latency publish -> alert at %.0f samples/s: p50 %.2f ms, p99 %.2f ms (%d spikes)",
                result.latencyRate, result.percentile(0.5) * 1000, result.percentile(0.99) * 1000,
                result.latencies.count))
        lines.append(String(format: "  memory: %.0f resident bytes per series", result.residentBytesPerSeries))
        return lines
    }

    /// `bench daemon --training both`: learning on against off; nil unless there are both runs.
    package static func daemonComparison(_ results: [DaemonBenchmark.Result]) -> String? {
        guard results.count == 2 else { return nil }
        return String(
            format: "training on / off: throughput x%.2f, p99 latency x%.2f",
            results[1].samplesPerSecond / results[0].samplesPerSecond,
            results[1].percentile(0.99) / results[0].percentile(0.99))
    }

    /// `bench daemon --training alternate`: one daemon, learning switched off and on in turns.
    package static func daemonAlternating(_ result: DaemonBenchmark.Result, options: DaemonBenchmark.Options)
        -> [String]
    {
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        }
        var lines = [
            "streamlstmd bench daemon: \(options.series) series, H = \(options.hiddenSize), \(options.batch) lines per message, "
                + "\(options.shards) shards, training (K = 16, W = 32, \(options.trainingPriority.rawValue) priority) "
                + "switched off and on in one daemon"
                + String(format: ", %.0f%% of series on weights of their own", 100 * result.learnedShare),
            String(
                format: "  throughput: %.0f samples/s learning off, %.0f on (x%.2f); %d of %d processed",
                result.samplesPerSecond, result.samplesPerSecondLearning,
                result.samplesPerSecondLearning / result.samplesPerSecond, result.processed, result.expected),
            String(
                format: "  training: %.0f jobs/s started at full load (%.0f%% of due jobs skipped)",
                result.trainingUpdatesPerSecond, 100 * result.skippedFraction),
            String(format: "  memory: %.0f resident bytes per series", result.residentBytesPerSeries),
            String(
                format: "  latency publish -> alert at %.0f samples/s, %d rounds of %.0f s:", result.latencyRate,
                result.rounds.count, options.latencySeconds),
        ]
        for (index, round) in result.rounds.enumerated() {
            lines.append(
                String(
                    format: "    round %d, learning %@: p50 %.2f ms, p99 %.2f ms (%d spikes), %.0f jobs/s", index + 1,
                    round.learning ? "on " : "off", round.p50 * 1000, round.p99 * 1000, round.spikes,
                    round.jobsPerSecond))
        }
        let off = median(result.rounds.filter { !$0.learning }.map(\.p99))
        let on = median(result.rounds.filter(\.learning).map(\.p99))
        let pairs = stride(from: 0, to: result.rounds.count - 1, by: 2).map {
            result.rounds[$0 + 1].p99 / result.rounds[$0].p99
        }
        lines.append(
            String(
                format: "training on / off: throughput x%.2f, median p99 %.2f / %.2f ms = x%.2f, "
                    + "median of paired rounds x%.2f", result.samplesPerSecondLearning / result.samplesPerSecond,
                on * 1000, off * 1000, on / off, median(pairs)))
        return lines
    }
}
