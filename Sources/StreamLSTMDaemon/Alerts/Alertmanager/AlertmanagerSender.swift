import Foundation
import FoundationNetworking
import Logging
import Metrics
import Synchronization

/// One Alertmanager's sender: a thread of its own that takes batches of the
/// alerts waiting for this Alertmanager from the book and POSTs them to
/// `/api/v2/alerts`, backing off exponentially while it fails. A 400 reply
/// (Alertmanager refusing the alerts themselves) is logged with
/// Alertmanager's message, once per message, and not retried blindly.
package final class AlertmanagerSender: Sendable {
    package let url: String
    private let endpoint: URL
    private let book: AlertmanagerBook
    /// Read from its file at start and on reload; timeout, re-send interval and capacity are the book's.
    private let bearerToken: Protected<String?>
    private let metrics: NotifierMetrics?
    private let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    /// A poke is on its way and not yet seen, or the sender is backing off (a poke would change
    /// nothing): shards then poke without a system call, however many alerts they raise.
    private let poked = Atomic<Bool>(false)
    private let backingOff = Atomic<Bool>(false)
    private let stopping = Protected(false)
    /// Whether the last attempt succeeded.
    private let healthy = Protected(true)
    private let session: URLSession
    private let thread = Protected<OwnedThread<Void>?>(nil)
    /// The request under way, for `stop` to cancel.
    private let inFlight = Protected<URLSessionDataTask?>(nil)

    package init(url: String, book: AlertmanagerBook, bearerToken: String?, metrics: NotifierMetrics?, logger: Logger) {
        self.url = url
        endpoint = URL(string: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v2/alerts")!
        self.book = book
        self.bearerToken = Protected(bearerToken)
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "alertmanager"] = "\(url)"
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: configuration)
        thread.withLock { $0 = OwnedThread(name: "alertmanager") { [self] in loop() } }
    }

    package func update(bearerToken new: String?) {
        bearerToken.withLock { $0 = new }
    }

    /// An alert changed: send soon. Any thread; never blocks.
    package func poke() {
        guard !backingOff.load(ordering: .relaxed) else { return }
        if !poked.exchange(true, ordering: .acquiringAndReleasing) { wake.signal() }
    }

    /// Ends the thread; with `flush`, after one last attempt at what is waiting (the resolutions
    /// made while the shards drained), unless this Alertmanager was failing anyway.
    package func stop(flush: Bool) {
        stopping.withLock { $0 = true }
        wake.signal()
        inFlight.withLock { $0 }?.cancel()
        thread.withLock { $0 }?.join()
        if flush && healthy.withLock({ $0 }) { _ = sendOnce(now: Date().timeIntervalSince1970, quiet: true) }
        session.invalidateAndCancel()
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    private func loop() {
        var backoff = 0.0
        var failing = false
        var reported = 0
        while !isStopping {
            poked.store(false, ordering: .releasing)  // alerts from here on poke again
            switch sendOnce(now: Date().timeIntervalSince1970, quiet: failing) {
            case .nothing:
                // Re-sends fall due with time: look again within a second even if no alert changes.
                _ = wake.wait(timeout: .now() + 1)
            case .sent:
                healthy.withLock { $0 = true }
                if failing { logger.notice("Alertmanager takes alerts again") }
                failing = false
                backoff = 0
            case .failed:
                healthy.withLock { $0 = false }
                failing = true
                // At most one re-send interval: an Alertmanager that is back gets the alerts within
                // one interval, as it would have had them had it stayed up.
                backoff = min(max(backoff * 2, 0.5), 30, book.config.resendInterval)
                backingOff.store(true, ordering: .releasing)
                pause(backoff)
                backingOff.store(false, ordering: .releasing)
            }
            let (length, dropped) = book.queue(of: url)
            metrics?.queueLength.record(length)
            metrics?.queueCapacity.record(book.config.queueCapacity)
            if dropped > reported {
                metrics?.dropped.increment(by: dropped - reported)
                logger.warning(
                    "alerts dropped: the queue for this Alertmanager is full",
                    metadata: ["dropped": "\(dropped - reported)"])
                reported = dropped
            }
        }
    }

    private func pause(_ seconds: Double) {
        let until = Date().addingTimeInterval(seconds)
        while !isStopping && Date() < until { _ = wake.wait(timeout: .now() + min(0.2, seconds)) }
    }

    private enum Outcome { case nothing, sent, failed }

    /// Sends one batch, if any alert is waiting.
    private func sendOnce(now: Double, quiet: Bool) -> Outcome {
        let batch = book.batch(for: url, now: now)
        guard !batch.isEmpty else { return .nothing }
        let timeout = book.config.timeout
        let token = bearerToken.withLock { $0 }
        let started = DispatchTime.now().uptimeNanoseconds
        let reply = post(Data(batch.body.utf8), timeout: timeout, bearerToken: token)
        metrics?.latency.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
        switch reply {
        case .success(let (status, _)) where (200..<300).contains(status):
            book.delivered(batch, to: url, at: now)
            metrics?.sent.increment(by: batch.keys.count)
            return .sent
        case .success(let (status, message)) where (400..<500).contains(status) && status != 429:
            // The alerts themselves are refused: sending them again unchanged would be refused again.
            book.delivered(batch, to: url, at: now)
            metrics?.errors.increment(by: batch.keys.count)
            logRefusal(status: status, message: message)
            return .sent
        case .success(let (status, message)):
            book.failed(batch, to: url, at: now)
            metrics?.errors.increment(by: batch.keys.count)
            if !quiet {
                logger.error(
                    "Alertmanager failed; retrying with backoff",
                    metadata: ["status": "\(status)", "reply": "\(message.prefix(200))"])
            }
            return .failed
        case .failure(let error):
            book.failed(batch, to: url, at: now)
            metrics?.errors.increment(by: batch.keys.count)
            if !quiet && !isStopping {
                logger.error("Alertmanager unreachable; retrying with backoff", metadata: ["error": "\(error)"])
            }
            return .failed
        }
    }

    /// Refusals already logged, by status and message; at most `refusalsRemembered` of them (then
    /// forgotten and logged anew), so that an Alertmanager refusing with ever new messages cannot
    /// grow it without bound.
    private let refusalsLogged = Protected(Set<String>())
    package static let refusalsRemembered = 64

    private func logRefusal(status: Int, message: String) {
        let key = "\(status) \(message.prefix(500))"
        let fresh = refusalsLogged.withLock { logged in
            if logged.count >= Self.refusalsRemembered && !logged.contains(key) { logged.removeAll() }
            return logged.insert(key).inserted
        }
        guard fresh else { return }
        logger.error(
            "Alertmanager refused the alerts; not retried until they change or fall due again",
            metadata: ["status": "\(status)", "reply": "\(message.prefix(500))"])
    }

    /// One POST; the status and body of the reply, or why there was none.
    private func post(_ body: Data, timeout: Double, bearerToken: String?) -> Result<(Int, String), any Error> {
        var request = HTTPExchange.request("POST", endpoint, json: body, timeout: timeout)
        request.setValue("streamlstmd/\(BuildInfo.version)", forHTTPHeaderField: "User-Agent")
        if let token = bearerToken { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        defer { inFlight.withLock { $0 = nil } }
        return HTTPExchange.perform(request, session: session, timeout: timeout) { task in
            inFlight.withLock { $0 = task }
        }.map { ($0.status, $0.body) }
    }
}

/// The notifier's metrics for one Alertmanager, named after Prometheus's own.
package struct NotifierMetrics: Sendable {
    package let sent: Counter
    package let errors: Counter
    package let dropped: Counter
    package let queueLength: Gauge
    package let queueCapacity: Gauge
    package let latency: Timer

    package init(alertmanager url: String, factory: any MetricsFactory) {
        let label = [("alertmanager", url)]
        sent = Counter(label: "streamlstmd_notifications_sent_total", dimensions: label, factory: factory)
        errors = Counter(label: "streamlstmd_notifications_errors_total", dimensions: label, factory: factory)
        dropped = Counter(label: "streamlstmd_notifications_dropped_total", dimensions: label, factory: factory)
        queueLength = Gauge(label: "streamlstmd_notifications_queue_length", dimensions: label, factory: factory)
        queueCapacity = Gauge(label: "streamlstmd_notifications_queue_capacity", dimensions: label, factory: factory)
        latency = Timer(label: "streamlstmd_notifications_latency_seconds", dimensions: label, factory: factory)
    }
}
