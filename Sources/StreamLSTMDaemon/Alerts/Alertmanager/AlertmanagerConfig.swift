import Foundation
import StreamLSTMVocabulary

/// Where and how alerts are delivered to Prometheus Alertmanager (the
/// `alertmanager` section). No URLs: no delivery.
package struct AlertmanagerConfig: Sendable, Equatable {
    package init() {}

    /// Every Alertmanager of an HA cluster: each gets every alert.
    package var urls: [String] = []
    /// Seconds per request.
    package var timeout = 10.0
    /// Firing alerts are sent again this often (seconds); Alertmanager takes one as over
    /// 4 of these after the last time it heard of it.
    package var resendInterval = 60.0
    /// Resolved alerts are sent again for this long (seconds), so that an Alertmanager
    /// that was down or restarted hears of the resolution too.
    package var resolvedRetention = 900.0
    /// Alerts waiting per Alertmanager; past it the oldest are dropped (and counted).
    package var queueCapacity = 10_000
    /// A file holding a bearer token for the `Authorization` header; read at start and on reload.
    package var bearerTokenFile = ""
    /// The base of each alert's `generatorURL`; empty: `http://<the daemon's HTTP address>`.
    package var externalURL = ""

    package var problem: ConfigError? {
        for (index, url) in urls.enumerated() {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                return ConfigError(
                    key: "alertmanager.urls[\(index)]", problem: "expected an http:// or https:// URL, got \"\(url)\"")
            }
        }
        if Set(urls).count != urls.count {
            return ConfigError(key: "alertmanager.urls", problem: "a URL is listed twice")
        }
        if !(timeout > 0) { return ConfigError(key: "alertmanager.timeout", problem: "must be > 0") }
        if !(resendInterval > 0) { return ConfigError(key: "alertmanager.resend_interval", problem: "must be > 0") }
        if !(resolvedRetention >= 0) {
            return ConfigError(key: "alertmanager.resolved_retention", problem: "must be >= 0")
        }
        if queueCapacity < 1 { return ConfigError(key: "alertmanager.queue_capacity", problem: "must be >= 1") }
        if !externalURL.isEmpty && URL(string: externalURL)?.scheme == nil {
            return ConfigError(key: "alertmanager.external_url", problem: "expected a URL, got \"\(externalURL)\"")
        }
        return nil
    }

    /// The bearer token, read from its file; nil without one. Throws when the file cannot be read.
    package func bearerToken() throws(ConfigError) -> String? {
        guard !bearerTokenFile.isEmpty else { return nil }
        do {
            return try String(contentsOfFile: bearerTokenFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        } catch {
            throw ConfigError(
                key: "alertmanager.bearer_token_file",
                problem: "cannot read \(bearerTokenFile): \(error.localizedDescription)")
        }
    }
}
