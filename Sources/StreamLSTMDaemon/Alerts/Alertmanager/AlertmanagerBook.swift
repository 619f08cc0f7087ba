import Foundation
import StreamLSTMVocabulary

/// The current state of every alert Alertmanager should know of, by
/// identity (a series and a severity), and for each Alertmanager the alerts
/// waiting to be sent to it. Not a queue of events: an Alertmanager that was
/// down gets, when it is back, the alerts as they are now (and the recently
/// resolved ones), once each.
///
/// Shards call `take` for every alert they raise; it puts the alert in an
/// inbox (the newest notice per alert, under a lock of its own) and returns:
/// the book itself (its scans, its queue limits, the encoding) is worked on by
/// the senders, which take the inbox in first, so detection never waits for
/// delivery, nor for an Alertmanager that is away. The book keeps each alert
/// as the shard raised it and converts it to Alertmanager's labels and
/// annotations only when it is sent, outside the lock: a sender taking in
/// 20,000 re-sends while Alertmanager is away converts the 256 it tries to
/// send, not all of them, and leaves the other core to the shards.
package final class AlertmanagerBook: Sendable {
    package struct Key: Hashable, Sendable {
        package let fingerprint: UInt64
        package let severity: Severity
    }

    /// What a sender gets: the alerts to send, in the order they began waiting.
    package struct Batch: Sendable {
        package let keys: [Key]
        /// A JSON array, ready to POST.
        package let body: String
        package var isEmpty: Bool { keys.isEmpty }
    }

    private struct Entry {
        /// The alert as a shard raised it, or as the checkpoint restored it (converted already).
        package enum Source {
            case raised(Alert)
            case restored(AlertmanagerAlert)
        }
        package var source: Source
        package var startsAt: Double
        /// When it ended: its own resolution, or its twin's escalation (which changes the labels).
        package var resolvedAt: Double?
        /// When each Alertmanager last took it.
        package var sentAt: [String: Double] = [:]
        /// Wall-clock time the resolution became known: the retention counts from it.
        package var resolvedKnownAt: Double?

        init(_ alert: Alert, now: Double) {
            source = .raised(alert)
            startsAt = alert.startsAt
            update(alert, now: now)
        }

        /// The alert's newest state, known at `now`; when each Alertmanager last took it stays.
        mutating func update(_ alert: Alert, now: Double) {
            source = .raised(alert)
            startsAt = alert.startsAt
            resolvedAt = alert.status == .resolved ? alert.endsAt : nil
            resolvedKnownAt = alert.status == .resolved ? now : nil
        }

        init(restored alert: AlertmanagerAlert) {
            source = .restored(alert)
            startsAt = alert.startsAt
            resolvedAt = alert.resolvedAt
        }

        /// As Alertmanager takes it, under the daemon's `instance` name.
        func converted(instance: String) -> AlertmanagerAlert {
            var alert =
                switch source {
                case .raised(let raised): AlertmanagerAlert(raised, instance: instance)
                case .restored(let restored): restored
                }
            alert.resolvedAt = resolvedAt
            return alert
        }
    }

    private struct Target {
        /// Alerts waiting, with the time each began waiting (the oldest are dropped past the capacity).
        package var waiting: [Key: Double] = [:]
        package var dropped = 0
    }

    private struct State {
        package var entries: [Key: Entry] = [:]
        package var targets: [String: Target] = [:]
        package var config: AlertmanagerConfig
        /// The daemon's own HTTP address, once it listens.
        package var httpAddress: String?

        /// The base of the links to each series: the external URL if configured, else the daemon's own HTTP.
        package var generatorBase: String {
            !config.externalURL.isEmpty ? config.externalURL : httpAddress.map { "http://\($0)" } ?? ""
        }
    }

    private let state: Protected<State>

    /// Alerts taken and not yet in the book: the newest notice of each alert, in order of arrival.
    private struct Inbox {
        package typealias Notices = [Key: (order: Int, alert: Alert, now: Double)]
        package var notices: Notices = [:]
        /// The storage of the last inbox taken, emptied, for the next: shards do not regrow it.
        package var spare: Notices = [:]
        package var next = 0
    }
    private let inbox = Protected(Inbox())

    /// The daemon's name in every alert's labels.
    private let instance: String

    package init(config: AlertmanagerConfig, instance: String) {
        self.instance = instance
        state = Protected(State(config: config))
        configure(config)
        // Room for as many alerts as a queue holds, in the inbox and its spare, before the first storm:
        // otherwise the shard that raises it grows the inbox, rehashing thousands of entries (about
        // 3.6 MB at the default capacity of 10,000, and only with an Alertmanager to send to).
        if !config.urls.isEmpty {
            inbox.withLock { inbox in
                inbox.notices.reserveCapacity(config.queueCapacity)
                inbox.spare.reserveCapacity(config.queueCapacity)
            }
        }
    }

    /// The daemon's HTTP address, for the links to each series (unless `external_url` is set).
    package func setHTTPAddress(_ address: String?) {
        state.withLock { $0.httpAddress = address }
    }

    /// New settings (a reload): targets for new URLs (they get every alert there is), none for removed ones.
    package func configure(_ config: AlertmanagerConfig) {
        state.withLock { state in
            state.config = config
            for url in Array(state.targets.keys) where !config.urls.contains(url) { state.targets[url] = nil }
            for url in config.urls where state.targets[url] == nil {
                var target = Target()
                for key in state.entries.keys { target.waiting[key] = 0 }
                state.targets[url] = target
            }
        }
    }

    /// An alert a shard raised, at wall-clock time `now`: into the inbox (a later notice of the same
    /// alert replaces an earlier one still there), for the senders to take into the book.
    package func take(_ alert: Alert, now: Double) {
        let key = Key(fingerprint: alert.fingerprint, severity: alert.severity)
        // Nothing is allocated here: the alert is converted (labels, annotations) by the sender that
        // takes the inbox in, so a shard and a sender do not meet in the allocator either.
        inbox.withLock { inbox in
            inbox.next += 1
            inbox.notices[key] = (inbox.next, alert, now)
        }
    }

    /// Takes the inbox into the book, in order of arrival. A series whose alert escalates (warning to
    /// critical) changes its labels: the alert under the old ones is resolved.
    private func takeInbox(into state: inout State) {
        var notices = inbox.withLock { inbox in
            let taken = inbox.notices
            inbox.notices = inbox.spare
            inbox.spare = [:]
            return taken
        }
        for (key, notice) in notices.sorted(by: { $0.value.order < $1.value.order }) {
            Self.apply(notice.alert, key: key, now: notice.now, to: &state)
        }
        // The queues are held to their capacity once per intake, not once per alert taken in.
        for url in state.config.urls { Self.enforceCapacity(url, in: &state) }
        // Emptied here, on the sender's thread, and grown to twice what came in since the last time:
        // shards then fill it without growing it (a rehash of thousands of entries on a shard's thread).
        let arrived = notices.count
        notices.removeAll(keepingCapacity: true)
        if notices.capacity < 2 * arrived { notices.reserveCapacity(2 * arrived) }
        inbox.withLock { if $0.spare.isEmpty { swap(&$0.spare, &notices) } }
    }

    private static func apply(_ alert: Alert, key: Key, now: Double, to state: inout State) {
        // A firing alert resolves its twins of the other severities (an escalation changes the labels);
        // so does a resolution, for an escalation whose firing the inbox replaced by this resolution.
        for severity in Severity.allCases where severity != alert.severity {
            let other = Key(fingerprint: alert.fingerprint, severity: severity)
            guard let entry = state.entries[other], entry.resolvedAt == nil else { continue }
            if alert.status == .firing || entry.startsAt <= alert.startsAt {
                state.entries[other]?.resolvedAt = alert.status == .firing ? alert.sampleTime : alert.endsAt
                state.entries[other]?.resolvedKnownAt = now
                markWaiting(other, in: &state, now: now)
            }
        }
        state.entries[key, default: Entry(alert, now: now)].update(alert, now: now)
        markWaiting(key, in: &state, now: now)
    }

    /// A series that was firing in the checkpoint the daemon started from.
    /// `extra`: the labels of the series' rule.
    package func restore(_ record: SeriesRecord, extra: [String: String], now: Double) {
        guard case .firing(_, _, let severity, _, _) = record.alert else { return }
        let key = Key(fingerprint: record.identity.fingerprint, severity: severity)
        let alert = AlertmanagerAlert(restoring: record, instance: instance, extra: extra)
        state.withLock { state in
            state.entries[key] = Entry(restored: alert)
            Self.markWaiting(key, in: &state, now: now)
            for url in state.config.urls { Self.enforceCapacity(url, in: &state) }
        }
    }

    /// Up to `limit` alerts for `url`, oldest waiting first, after marking the alerts that are due for
    /// a re-send as waiting; the alerts taken wait no more until `delivered` or `failed` says what became of them.
    package func batch(for url: String, now: Double, limit: Int = 256) -> Batch {
        // The alerts are chosen under the lock, and converted and encoded after it: other senders and
        // readers wait on it.
        let chosen = state.withLock { state -> (alerts: [(Key, Entry)], endsAt: Double, base: String) in
            takeInbox(into: &state)
            Self.expire(&state, now: now)
            let resend = state.config.resendInterval
            for (key, entry) in state.entries where now - (entry.sentAt[url] ?? -.infinity) >= resend {
                if state.targets[url]?.waiting[key] == nil { state.targets[url]?.waiting[key] = now }
            }
            guard state.targets[url]?.waiting.isEmpty == false else { return ([], 0, "") }
            // No copy of the waiting map outlives this line: removing from it below must not copy it whole.
            let keys = state.targets[url]!.waiting.sorted { $0.value < $1.value }.prefix(limit).map(\.key)
            for key in keys { state.targets[url]?.waiting[key] = nil }
            return (
                keys.compactMap { key in state.entries[key].map { (key, $0) } }, now + 4 * resend,
                state.generatorBase
            )
        }
        let body =
            "["
            + chosen.alerts.map {
                $0.1.converted(instance: instance).json(firingEndsAt: chosen.endsAt, generatorBase: chosen.base)
            }
            .joined(separator: ",") + "]"
        return Batch(keys: chosen.alerts.map(\.0), body: body)
    }

    /// `url` took the batch (or refused it for good): each alert is sent again at the re-send interval,
    /// or sooner if it changes.
    package func delivered(_ batch: Batch, to url: String, at now: Double) {
        state.withLock { state in
            for key in batch.keys { state.entries[key]?.sentAt[url] = now }
        }
    }

    /// Sending the batch to `url` failed: its alerts wait again (unless a newer state of one already does).
    package func failed(_ batch: Batch, to url: String, at now: Double) {
        state.withLock { state in
            for key in batch.keys where state.entries[key] != nil {
                if state.targets[url]?.waiting[key] == nil { state.targets[url]?.waiting[key] = now }
            }
            Self.enforceCapacity(url, in: &state)
        }
    }

    /// The settings in force.
    package var config: AlertmanagerConfig { state.withLock { $0.config } }

    /// Alerts waiting for `url`, and how many were dropped for it so far.
    package func queue(of url: String) -> (length: Int, dropped: Int) {
        state.withLock { state in
            takeInbox(into: &state)
            return (state.targets[url]?.waiting.count ?? 0, state.targets[url]?.dropped ?? 0)
        }
    }

    /// The alert waits for every Alertmanager that has not got it waiting already; the caller holds
    /// the queues to their capacity. (The targets are those of `config.urls`. Looping over
    /// `targets.keys` instead would hold the targets' storage while one is changed, and copy its
    /// whole waiting map for every alert.)
    private static func markWaiting(_ key: Key, in state: inout State, now: Double) {
        for url in state.config.urls where state.targets[url]?.waiting[key] == nil {
            state.targets[url]?.waiting[key] = now
        }
    }

    /// Past the capacity the oldest are dropped, a hundredth of the capacity more than the excess at
    /// once, so that the next few alerts do not each sort the queue again.
    private static func enforceCapacity(_ url: String, in state: inout State) {
        let capacity = state.config.queueCapacity
        guard let count = state.targets[url]?.waiting.count, count > capacity else { return }
        let excess = min(count - capacity + capacity / 100, count)
        let oldest = state.targets[url]!.waiting.sorted { $0.value < $1.value }.prefix(excess).map(\.key)
        // In place: a copy of the target would copy its whole waiting map for every alert dropped.
        for key in oldest { state.targets[url]?.waiting[key] = nil }
        state.targets[url]?.dropped += excess
    }

    /// Forgets alerts resolved longer ago than the retention.
    private static func expire(_ state: inout State, now: Double) {
        let retention = state.config.resolvedRetention
        let expired = state.entries.filter { ($0.value.resolvedKnownAt.map { now - $0 > retention }) ?? false }.map(
            \.key)
        for key in expired {
            state.entries[key] = nil
            for url in state.config.urls { state.targets[url]?.waiting[key] = nil }
        }
    }
}
