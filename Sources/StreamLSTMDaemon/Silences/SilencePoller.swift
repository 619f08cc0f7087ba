import Foundation
import FoundationNetworking
import Logging
import Metrics
import ServiceLifecycle
import StreamLSTMVocabulary

/// Keeps the book's copy of every configured Alertmanager's silences: every `alertmanager.silence_poll`
/// seconds it asks each for `GET /api/v2/silences` and hands the active and pending ones to the book.
/// An Alertmanager that cannot be reached, refuses or answers garbage keeps its last set in force
/// (each silence until its own end); failures are counted and logged at most once a minute.
/// It also keeps `streamlstmd_silences{state}` current, with or without Alertmanagers.
package final class SilencePoller: Service, Sendable {
    package let book: SilenceBook

    private struct Settings {
        package var urls: [String]
        package var bearerToken: String?
        package var timeout: Double
        package var interval: Double
    }

    /// What one poll came to, as `streamlstmd_silence_polls_total{outcome}` names it.
    package enum Outcome: String, Sendable, CaseIterable {
        case success
        /// No reply: refused connection, timeout, DNS.
        case unreachable
        /// A reply other than 2xx.
        case errorStatus = "error_status"
        /// A 2xx reply that is not a list of silences.
        case badReply = "bad_reply"
    }

    private let settings: Protected<Settings>
    private let session: URLSession
    private let metricsFactory: (any MetricsFactory)?
    private let gauges: [Silence.State: Gauge]
    private let logger: Logger

    /// Throws when the bearer token file cannot be read.
    package init(
        book: SilenceBook, alertmanager: AlertmanagerConfig, silences: SilenceConfig,
        metricsFactory: (any MetricsFactory)?, logger: Logger
    ) throws(ConfigError) {
        self.book = book
        settings = Protected(
            Settings(
                urls: alertmanager.urls, bearerToken: try alertmanager.bearerToken(), timeout: alertmanager.timeout,
                interval: silences.pollInterval))
        book.setPauseLearning(silences.pauseLearning)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: configuration)
        self.metricsFactory = metricsFactory
        var gauges: [Silence.State: Gauge] = [:]
        if let metricsFactory {
            for state in [Silence.State.active, .pending] {
                gauges[state] = Gauge(
                    label: "streamlstmd_silences", dimensions: [("state", state.rawValue)], factory: metricsFactory)
            }
        }
        self.gauges = gauges
        self.logger = logger
    }

    /// Settings from a reload: Alertmanagers added are polled at once, those removed take their
    /// silences with them. An unreadable token file refuses the change (the running settings stay).
    package func apply(alertmanager: AlertmanagerConfig, silences: SilenceConfig) throws(ConfigError) {
        apply(alertmanager: alertmanager, silences: silences, bearerToken: try alertmanager.bearerToken())
    }

    /// As `apply(alertmanager:silences:)` with the token already read: cannot fail.
    package func apply(alertmanager: AlertmanagerConfig, silences: SilenceConfig, bearerToken token: String?) {
        let removed = settings.withLock { settings in
            let removed = settings.urls.filter { !alertmanager.urls.contains($0) }
            settings = Settings(
                urls: alertmanager.urls, bearerToken: token, timeout: alertmanager.timeout,
                interval: silences.pollInterval)
            return removed
        }
        for url in removed { book.forget(alertmanager: url) }
        book.setPauseLearning(silences.pauseLearning)
    }

    /// `alertmanager.silence_poll` in force.
    package var pollInterval: Double { settings.withLock { $0.interval } }

    package func run() async {
        await cancelWhenGracefulShutdown { [self] in await loop() }
        session.invalidateAndCancel()
    }

    private func loop() async {
        var due: [String: Double] = [:]
        /// Failed polls in a row, per Alertmanager that is failing.
        var failures: [String: Int] = [:]
        var counters: [String: Counter] = [:]
        while !Task.isCancelled {
            let settings = self.settings.withLock { $0 }
            let now = Date().timeIntervalSince1970
            due = due.filter { settings.urls.contains($0.key) }
            let dueNow = settings.urls.filter { (due[$0] ?? 0) <= now }
            let outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
                for url in dueNow {
                    group.addTask { [self] in
                        (url, await poll(url, token: settings.bearerToken, timeout: settings.timeout))
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (url, outcome) in outcomes {
                due[url] = now + settings.interval
                if let metricsFactory {
                    let key = "\(url) \(outcome.rawValue)"
                    if counters[key] == nil {
                        counters[key] = Counter(
                            label: "streamlstmd_silence_polls_total",
                            dimensions: [("alertmanager", url), ("outcome", outcome.rawValue)], factory: metricsFactory)
                    }
                    counters[key]?.increment()
                }
                if outcome == .success {
                    if let failing = failures.removeValue(forKey: url) {
                        logger.notice(
                            "Alertmanager silences polled again",
                            metadata: ["alertmanager": "\(url)", "failed_polls": "\(failing)"])
                    }
                }
            }
            failures = failures.filter { settings.urls.contains($0.key) }
            for (url, outcome) in outcomes where outcome != .success { failures[url, default: 0] += 1 }
            let listed = book.list(now: Date().timeIntervalSince1970)
            gauges[.active]?.record(listed.filter { $0.state == .active }.count)
            gauges[.pending]?.record(listed.filter { $0.state == .pending }.count)
            let next = due.values.min().map { $0 - Date().timeIntervalSince1970 } ?? 1
            try? await Task.sleep(for: .seconds(min(max(next, 0.01), 1)))
        }
    }

    /// One poll of one Alertmanager: its silences to the book on success, a log line (at most one a
    /// minute per Alertmanager, from `loop`'s limiter) otherwise.
    private func poll(_ url: String, token: String?, timeout: Double) async -> Outcome {
        guard
            let endpoint = URL(string: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v2/silences")
        else { return .unreachable }
        var request = URLRequest(url: endpoint, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("streamlstmd/\(BuildInfo.version)", forHTTPHeaderField: "User-Agent")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let reply = await fetch(request)
        switch reply {
        case .failure(let error):
            report(
                url, "Alertmanager silences unreachable; its last known silences stay in force", ["error": "\(error)"])
            return .unreachable
        case .success(let (status, _)) where !(200..<300).contains(status):
            report(
                url, "Alertmanager refused the silences request; its last known silences stay in force",
                ["status": "\(status)"])
            return .errorStatus
        case .success(let (_, data)):
            do throws(SilenceError) {
                let (silences, problems) = try SilenceJSON.alertmanagerSilences(data, from: url)
                book.replace(silences, from: url, now: Date().timeIntervalSince1970)
                if let problem = problems.first {
                    report(
                        url, "Alertmanager silences this daemon cannot apply are left out",
                        ["problem": "\(problem)", "count": "\(problems.count)"], key: "unreadable")
                }
                return .success
            } catch {
                report(
                    url,
                    "Alertmanager's silences reply is not a list of silences; its last known silences stay in force",
                    ["problem": "\(error)"])
                return .badReply
            }
        }
    }

    /// Log lines about one Alertmanager, each kind at most once a minute.
    private let limiters = Protected<[String: RateLimiter]>([:])

    private func report(_ url: String, _ message: Logger.Message, _ metadata: Logger.Metadata, key: String = "failure")
    {
        let allowed = limiters.withLock { limiters in
            var limiter = limiters["\(key) \(url)"] ?? RateLimiter(interval: 60)
            defer { limiters["\(key) \(url)"] = limiter }
            return limiter.allows()
        }
        guard allowed else { return }
        logger.warning(message, metadata: metadata.merging(["alertmanager": "\(url)"]) { $1 })
    }

    package struct TimedOut: Error, CustomStringConvertible {
        package var description: String { "no reply in time" }
    }

    /// The status and body of the reply, or why there was none; cancelling the task cancels the request.
    private func fetch(_ request: URLRequest) async -> Result<(Int, Data), any Error> {
        let task = Protected<URLSessionDataTask?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<(Int, Data), any Error>, Never>) in
                let dataTask = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(returning: .failure(error))
                    } else {
                        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                        continuation.resume(returning: .success((status, data ?? Data())))
                    }
                }
                task.withLock { $0 = dataTask }
                dataTask.resume()
            }
        } onCancel: {
            task.withLock { $0 }?.cancel()
        }
    }
}
