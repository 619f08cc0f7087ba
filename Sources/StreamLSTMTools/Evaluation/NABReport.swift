import Foundation
import StreamLSTMDaemon

/// The printed evaluation.
package struct NABReport {
    package init(files: [(category: String, file: NABFile)], defaultThreshold: Double) {
        self.files = files
        self.defaultThreshold = defaultThreshold
    }

    package let files: [(category: String, file: NABFile)]
    package let defaultThreshold: Double

    package var text: String {
        let all = files.map(\.file)
        let windowCount = all.reduce(0) { $0 + $1.windows.count }
        var out = "NAB scores of \(counted(all.count, "file")) with \(counted(windowCount, "labelled window"))\n\n"
        out +=
            pad("profile", 22) + pad("optimised", 12) + pad("threshold", 12)
            + pad("default \(short(defaultThreshold))", 14) + "\n"
        var optimised: [String: Double] = [:]
        for profile in NABProfile.all {
            let best = NABScorer.optimise(all, profile: profile)
            optimised[profile.name] = best.threshold
            let atBest = total(all, threshold: best.threshold, profile: profile)
            let atDefault = total(all, threshold: defaultThreshold, profile: profile)
            out +=
                pad(profile.name, 22) + pad(score(atBest.normalised(profile)), 12) + pad(short(best.threshold), 12)
                + pad(score(atDefault.normalised(profile)), 14) + "\n"
        }
        let standard = NABProfile.standard
        let best = optimised[standard.name] ?? defaultThreshold
        out +=
            "\nstandard profile by category (optimised threshold \(short(best)) | default \(short(defaultThreshold)))\n"
        out +=
            pad("category", 24) + pad("files", 7) + pad("windows", 9) + pad("score", 8) + pad("found", 7)
            + pad("FP", 6) + "| " + pad("score", 8) + pad("found", 7) + pad("FP", 6) + "\n"
        for (category, members) in categories {
            let a = total(members, threshold: best, profile: standard)
            let b = total(members, threshold: defaultThreshold, profile: standard)
            out +=
                pad(category, 24) + pad("\(members.count)", 7) + pad("\(a.windows)", 9)
                + pad(score(a.normalised(standard)), 8) + pad("\(a.detectedWindows)", 7) + pad("\(a.falsePositives)", 6)
                + "| " + pad(score(b.normalised(standard)), 8) + pad("\(b.detectedWindows)", 7)
                + pad("\(b.falsePositives)", 6) + "\n"
        }
        if all.contains(where: { !$0.pages.isEmpty }) {
            let episodes = all.reduce(AlertEpisodes()) { $0 + AlertEpisodes($1) }
            out += "\nat the daemon's own alerts (the first row of each alert episode is the detection)\n"
            for profile in NABProfile.all {
                out += pad(profile.name, 22) + score(totalAtPages(all, profile: profile).normalised(profile)) + "\n"
            }
            out +=
                "alert onsets \(episodes.onsets), false \(episodes.falseOnsets); windows found \(episodes.windows.text): "
                + "first \(episodes.firstWindows.text), 2nd-5th \(episodes.secondToFifthWindows.text), "
                + "later \(episodes.laterWindows.text); starting before row \(AlertEpisodes.earlyRows) "
                + "\(episodes.earlyWindows.text), later \(episodes.lateWindows.text); "
                + "starting inside an open alert \(episodes.startedInsideAnOpenAlert)\n"
        }
        out += "\nevent level, no point adjustment (a run of detections is one alarm)\n"
        out +=
            pad("threshold", 22) + pad("alarms", 8) + pad("true", 6) + pad("windows", 9) + pad("found", 7)
            + pad("precision", 11) + pad("recall", 8) + pad("F1", 6) + "\n"
        for (name, threshold) in [
            ("optimised " + short(best), best), ("default " + short(defaultThreshold), defaultThreshold),
        ] {
            let events = all.reduce(EventCounts()) { $0 + EventCounts($1, threshold: threshold) }
            out +=
                pad(name, 22) + pad("\(events.alarms)", 8) + pad("\(events.trueAlarms)", 6)
                + pad("\(events.windows)", 9) + pad("\(events.foundWindows)", 7)
                + pad(String(format: "%.3f", events.precision), 11) + pad(String(format: "%.3f", events.recall), 8)
                + String(format: "%.3f", events.f1) + "\n"
        }
        return out
    }

    package static let rowHeader = [
        "corpus", "category", "profile", "files", "windows", "optimised", "threshold", "default",
        "found", "FP", "precision", "recall", "F1",
    ].joined(separator: "\t")

    /// Tab-separated rows of `rowHeader`: for each profile, the corpus in
    /// total ("all") and each category, scored at the corpus' optimised
    /// threshold and at the default one (found windows, false positives and
    /// event-level precision, recall and F1 at the default).
    package func rows(corpus: String) -> String {
        let all = files.map(\.file)
        var out = ""
        for profile in NABProfile.all {
            let best = NABScorer.optimise(all, profile: profile).threshold
            for (name, members) in [("all", all)] + categories {
                let atBest = total(members, threshold: best, profile: profile)
                let atDefault = total(members, threshold: defaultThreshold, profile: profile)
                let events = members.reduce(EventCounts()) { $0 + EventCounts($1, threshold: defaultThreshold) }
                let fields = [
                    corpus, name, profile.name, "\(members.count)", "\(atDefault.windows)",
                    score(atBest.normalised(profile)), short(best), score(atDefault.normalised(profile)),
                    "\(atDefault.detectedWindows)", "\(atDefault.falsePositives)",
                    events.alarms > 0 ? String(format: "%.3f", events.precision) : "-",
                    events.windows > 0 ? String(format: "%.3f", events.recall) : "-",
                    events.alarms > 0 && events.windows > 0 ? String(format: "%.3f", events.f1) : "-",
                ]
                out += fields.joined(separator: "\t") + "\n"
            }
        }
        return out
    }

    package static let alertRowHeader = [
        "corpus", "category", "files", "windows", "standard", "low_FP", "low_FN", "found", "onsets",
        "false_onsets", "first", "2nd-5th", "later", "early", "late", "in_open_alert",
    ].joined(separator: "\t")

    /// Tab-separated rows of `alertRowHeader`: the corpus in total ("all") and each category, scored at
    /// the daemon's own alerts (the first row of each alert episode is the detection), with the
    /// windows found by their order in the file and by where they start (before row
    /// `AlertEpisodes.earlyRows`, or later), and the windows that start inside an alert already open.
    package func alertRows(corpus: String) -> String {
        var out = ""
        for (name, members) in [("all", files.map(\.file))] + categories {
            let episodes = members.reduce(AlertEpisodes()) { $0 + AlertEpisodes($1) }
            let scores = NABProfile.all.map { profile in
                score(totalAtPages(members, profile: profile).normalised(profile))
            }
            let fields =
                [corpus, name, "\(members.count)", "\(episodes.windows.total)"] + scores + [
                    "\(episodes.windows.found)", "\(episodes.onsets)", "\(episodes.falseOnsets)",
                    episodes.firstWindows.text, episodes.secondToFifthWindows.text, episodes.laterWindows.text,
                    episodes.earlyWindows.text, episodes.lateWindows.text, "\(episodes.startedInsideAnOpenAlert)",
                ]
            out += fields.joined(separator: "\t") + "\n"
        }
        return out
    }

    /// The standard profile's score, windows found and false positives at each fire threshold from
    /// 0.30 to 0.95: what threshold would have served these labels best (marked), beside the default.
    package var sweep: String {
        let all = files.map(\.file)
        var out = pad("threshold", 12) + pad("standard", 10) + pad("low_FP", 10) + pad("low_FN", 10)
        out += pad("found", 8) + "FP\n"
        let thresholds = stride(from: 0.30, through: 0.951, by: 0.05).map { ($0 * 100).rounded() / 100 }
        let standard = thresholds.map { total(all, threshold: $0, profile: .standard) }
        let best = thresholds.indices.max {
            (standard[$0].normalised(.standard) ?? 0) < (standard[$1].normalised(.standard) ?? 0)
        }
        for (index, threshold) in thresholds.enumerated() {
            let marks = (index == best ? " best" : "") + (abs(threshold - defaultThreshold) < 1e-9 ? " default" : "")
            out += pad(String(format: "%.2f", threshold), 12) + pad(score(standard[index].normalised(.standard)), 10)
            out += pad(score(total(all, threshold: threshold, profile: .rewardLowFP).normalised(.rewardLowFP)), 10)
            out += pad(score(total(all, threshold: threshold, profile: .rewardLowFN).normalised(.rewardLowFN)), 10)
            out += pad("\(standard[index].detectedWindows)/\(standard[index].windows)", 8)
            out += "\(standard[index].falsePositives)\(marks)\n"
        }
        return out
    }

    /// The files of each category, categories in name order.
    private var categories: [(name: String, files: [NABFile])] {
        Array(Set(files.map(\.category))).sorted().map { category in
            (category, files.filter { $0.category == category }.map(\.file))
        }
    }

    private func total(_ files: [NABFile], threshold: Double, profile: NABProfile) -> NABTally {
        files.reduce(NABTally()) { $0 + NABScorer.score($1, threshold: threshold, profile: profile) }
    }

    /// The tally with every page a detection and nothing else.
    private func totalAtPages(_ files: [NABFile], profile: NABProfile) -> NABTally {
        total(files.map(AlertEpisodes.pages), threshold: AlertEpisodes.pageScore, profile: profile)
    }

    private func score(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
    private func short(_ value: Double) -> String { value.isFinite ? String(format: "%.4g", value) : "none" }
    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
