import Foundation
import Logging
import Metrics
import ServiceLifecycle
import StreamLSTMVocabulary

/// Delivery to Prometheus Alertmanager as Prometheus's notifier does it: the
/// book keeps the current state of every alert, one sender per Alertmanager
/// sends it. A reload may add, remove or change Alertmanagers. At shutdown
/// (after the shards have drained) each healthy sender makes one last pass.
package final class AlertmanagerService: Service, AlertSink {
    package let book: AlertmanagerBook
    private let senders = Protected<[String: AlertmanagerSender]>([:])
    /// The same senders as a list, made when they change: what a shard reads for every alert (a
    /// list copied out of the map would be allocated every time).
    private let senderList = Protected<[AlertmanagerSender]>([])
    private let metricsFactory: (any MetricsFactory)?
    private let logger: Logger

    /// Throws when the bearer token file cannot be read.
    package init(
        config: AlertmanagerConfig, instance: String, metricsFactory: (any MetricsFactory)?,
        logger: Logger
    ) throws(ConfigError) {
        book = AlertmanagerBook(config: config, instance: instance)
        self.metricsFactory = metricsFactory
        self.logger = logger
        try apply(config)
    }

    /// An alert a shard raised. Any thread; takes a lock, never waits for the network.
    /// Without Alertmanagers nothing is kept (one added by a reload hears of firing alerts at their next re-send).
    package func take(_ alert: Alert) {
        let senders = senderList.withLock { $0 }
        guard !senders.isEmpty else { return }
        book.take(alert, now: Date().timeIntervalSince1970)
        for sender in senders { sender.poke() }
    }

    /// Series that were firing or absent (announced) in the checkpoint the daemon started from, sent
    /// again with their start, so that Alertmanager sees one incident across the restart.
    /// `rules`: the configuration's, whose labels (and absent severity) each series' alerts fire with.
    package func restore(_ records: [SeriesRecord], rules: SeriesRules) {
        guard !urls.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        let routing = records.map { SeriesRule.routing(rules.firstMatch(for: $0.identity)?.rule) }
        for (record, routing) in zip(records, routing) where record.alert.isFiring {
            book.restore(record, extra: routing.labels, now: now)
        }
        for (record, (labels, severity)) in zip(records, routing) {
            guard let absence = record.presence.absence, absence.announced else { continue }
            var alert = Alert.absent(
                .firing, of: record, since: absence.since, at: absence.since,
                endsAt: now + 4 * book.config.resendInterval, modelVersion: 0, severity: severity)
            alert.extraLabels = labels
            book.take(alert, now: now)
        }
    }

    /// Settings from the start or a reload; the token file is read here, and an unreadable one
    /// refuses the whole change (the running settings stay).
    package func apply(_ config: AlertmanagerConfig) throws(ConfigError) {
        apply(config, bearerToken: try config.bearerToken())
    }

    /// As `apply(_:)` with the token already read: cannot fail (a reload reads first, then applies).
    package func apply(_ config: AlertmanagerConfig, bearerToken token: String?) {
        book.configure(config)
        let removed = senders.withLock { senders -> [AlertmanagerSender] in
            let gone = senders.filter { !config.urls.contains($0.key) }
            for url in gone.keys { senders[url] = nil }
            for url in config.urls {
                if let sender = senders[url] {
                    sender.update(bearerToken: token)
                } else {
                    senders[url] = AlertmanagerSender(
                        url: url, book: book, bearerToken: token,
                        metrics: metricsFactory.map { NotifierMetrics(alertmanager: url, factory: $0) }, logger: logger)
                    logger.info("alerts to Alertmanager", metadata: ["alertmanager": "\(url)"])
                }
            }
            let list = Array(senders.values)
            senderList.withLock { $0 = list }
            return Array(gone.values)
        }
        for sender in removed { sender.stop(flush: false) }
    }

    /// The Alertmanagers with a sender now.
    package var urls: Set<String> { Set(senders.withLock { $0.keys }) }

    package func run() async {
        try? await gracefulShutdown()
        await OwnedThread(name: "alertmanager-stop") { [self] in stopSenders() }.value
    }

    /// Each healthy sender's last pass, then the end of every sender. Blocks.
    package func stopSenders() {
        for sender in senders.withLock({ Array($0.values) }) { sender.stop(flush: true) }
    }
}
