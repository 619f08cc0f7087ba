/// When a series that stops reporting is an incident, when a producer's silence is one alert
/// instead of one per series, and when a series that went away is forgotten.
package struct AbsenceSettings: Sendable, Equatable {
    package init() {}

    /// Whether silence is judged at all (expiry is `seriesTTL`'s, on or off by itself).
    package var enabled = true
    /// A series is absent after this many of its typical intervals without a sample: far past any
    /// jitter (a sample 10 intervals late is not late, it is missing), and soon enough that a dead
    /// exporter of 15 s samples pages within three minutes, as Prometheus' 5 minutes of staleness does.
    package var after = 10.0
    /// ... and never before this many seconds: a sub-second stream does not page on a pause of its
    /// producer's runtime or a network hiccup.
    package var minimumSeconds = 60.0
    /// When at least this share of one producer's series (one input's, where producers are not
    /// known) are quiet at once, with at least `stormMinimumSeries` of them, the producer died: one
    /// alert names it and how many series went quiet, instead of one alert each.
    package var stormFraction = 0.5
    package var stormMinimumSeries = 10
    /// Series not heard from for this many seconds are forgotten: dropped from memory, from the
    /// next checkpoint and from the count under `max_series` (a week: a weekly job's series stays,
    /// a renamed metric's old name goes). 0: never.
    package var seriesTTL = 7 * 86_400.0

    package var problem: String? {
        if !(after >= 1) { return "absent.after must be >= 1 (intervals)" }
        if !(minimumSeconds >= 0) { return "absent.min_seconds must be >= 0" }
        if !(stormFraction > 0 && stormFraction <= 1) { return "absent.storm_fraction must lie in (0, 1]" }
        if stormMinimumSeries < 1 { return "absent.storm_min_series must be at least 1" }
        if !(seriesTTL >= 0) { return "series_ttl must be >= 0 seconds (0: never)" }
        return nil
    }
}
