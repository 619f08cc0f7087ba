import StreamLSTM
import StreamLSTMVocabulary

/// Producers (or inputs) most of whose series went quiet at once: one alert each, shared by the
/// shards, which hold the series of one producer between them. Each shard reports its counts at
/// every sweep; a producer is in a storm when, over the latest reports of all shards, at least
/// `storm_fraction` of its series and `storm_min_series` of them are quiet (half-way or more to
/// their deadline, or past it). Its alert fires once one of them is absent and resolves when the
/// storm is over; while it lasts, its series are marked absent without an alert each.
package final class AbsenceStorms: Sendable {
    /// One source's series in one shard, at its latest sweep.
    package struct Count: Equatable, Sendable {
        package var series = 0
        /// Quiet for half their allowed silence or more, or absent.
        package var quiet = 0
        /// Past their deadline (absent).
        package var absent = 0
        /// When the most recently heard of its quiet series was last heard from.
        package var latestSeen = -Double.infinity

        package init() {}

        static func + (a: Count, b: Count) -> Count {
            var sum = a
            sum.series += b.series
            sum.quiet += b.quiet
            sum.absent += b.absent
            sum.latestSeen = max(a.latestSeen, b.latestSeen)
            return sum
        }
    }

    private struct State {
        var reports: [Int: [String: Count]] = [:]
        /// Sources whose alert is out: since when, and the count it said.
        var open: [String: (since: Double, quiet: Int, lastSent: Double)] = [:]
    }

    private let state = Protected(State())
    private let alerts: any AlertSink
    private let stats: EngineStats

    package init(alerts: any AlertSink, stats: EngineStats) {
        self.alerts = alerts
        self.stats = stats
    }

    /// A shard's counts by source at `now`; returns the sources in a storm now (their series are not
    /// announced one by one). Raises and resolves the producers' alerts.
    /// `resendInterval`: seconds between sends of an open alert (with the count as it is then); a
    /// firing alert is taken as lasting four of them unless heard of again (its `endsAt`).
    package func report(
        shard: Int, counts: [String: Count], now: Double, settings: AbsenceSettings, resendInterval: Double
    ) -> Set<String> {
        state.withLock { state -> Set<String> in
            state.reports[shard] = counts
            var totals: [String: Count] = [:]
            for report in state.reports.values {
                for (source, count) in report {
                    totals[source, default: Count()] = totals[source, default: Count()] + count
                }
            }
            var storms = Set<String>()
            var raised: [Alert] = []
            // Sorted: a sweep that changes several producers raises their alerts in the same order every run.
            for (source, total) in totals.sorted(by: { $0.key < $1.key })
            where total.quiet >= settings.stormMinimumSeries
                && Double(total.quiet) >= settings.stormFraction * Double(total.series)
            {
                storms.insert(source)
                guard total.absent > 0 else { continue }
                let ends = now + 4 * resendInterval
                if let opened = state.open[source] {
                    guard now - opened.lastSent >= resendInterval else { continue }
                    state.open[source] = (opened.since, total.quiet, now)
                    var resent = Self.alert(.firing, source: source, total: total, since: opened.since, ends: ends)
                    resent.isResend = true
                    raised.append(resent)
                } else {
                    state.open[source] = (now, total.quiet, now)
                    raised.append(Self.alert(.firing, source: source, total: total, since: now, ends: ends))
                }
            }
            for (source, opened) in state.open.sorted(by: { $0.key < $1.key })
            where !storms.contains(source) || totals[source]?.absent == 0 {
                state.open[source] = nil
                var total = totals[source] ?? Count()
                total.quiet = opened.quiet
                raised.append(Self.alert(.resolved, source: source, total: total, since: opened.since, ends: now))
            }
            // Handed on under the lock: a firing decided by one shard and a resolution decided after it by
            // another reach the sink in that order (the sinks take nothing but their own inbox's lock).
            for alert in raised {
                stats.metrics?.count(alert)
                stats.add(
                    firing: alert.status == .firing ? 1 : 0,
                    incidents: alert.status == .firing && !alert.isResend ? 1 : 0,
                    resolved: alert.status == .resolved ? 1 : 0)
                alerts.take(alert)
            }
            return storms
        }
    }

    private static func alert(_ status: Alert.Status, source: String, total: Count, since: Double, ends: Double)
        -> Alert
    {
        var alert = Alert(
            status: status, severity: .critical, series: Alert.producerIdentity(source), startsAt: since,
            endsAt: ends, sampleTime: status == .firing ? since : ends, value: .nan, predicted: nil, lower: .nan,
            upper: .nan, score: 1, threshold: 1, reason: .predictionError, modelVersion: 0)
        alert.absence = Alert.Absence(lastSeen: total.latestSeen, producer: source, quietSeries: total.quiet)
        return alert
    }
}
