import StreamLSTMDaemon

/// What a user of the daemon gets: its alerts, judged by NAB's rules with the
/// first row of each alert episode as the detection (a page: a new alert, or
/// a new incident inside an open one), and taken apart by where the labelled
/// windows lie.
///
/// Scoring the alerts rather than a threshold on the score column judges the
/// whole path a page takes (the scorer, then the alert state's hysteresis and
/// resolution), and counts each page once: a held or re-sent alert pages
/// nobody again.
package struct AlertEpisodes: Sendable, Equatable {
    /// Alert episodes that started after the probation.
    package var onsets = 0
    /// Of those, the ones that started outside every labelled window: pages for nothing.
    package var falseOnsets = 0
    /// Windows, and windows with an onset inside (after the probation), by their place in the file.
    package var windows = Found()
    package var firstWindows = Found()
    package var secondToFifthWindows = Found()
    package var laterWindows = Found()
    /// By the row the window starts at: before `earlyRows`, or later.
    package var earlyWindows = Found()
    package var lateWindows = Found()
    /// Windows that start while an alert opened before them is still open, and in which nobody was
    /// paged: the open alert swallowed them.
    package var startedInsideAnOpenAlert = 0

    /// Windows starting before this row are a young series' (its warm-ups).
    package static let earlyRows = 300

    /// A count of windows, and how many of them an alert found.
    package struct Found: Sendable, Equatable {
        package var found = 0
        package var total = 0

        package mutating func add(_ wasFound: Bool) {
            total += 1
            if wasFound { found += 1 }
        }

        package static func + (a: Found, b: Found) -> Found {
            Found(found: a.found + b.found, total: a.total + b.total)
        }
        package var text: String { "\(found)/\(total)" }
    }

    package init() {}

    package init(_ file: NABFile) {
        let onsetRows = file.pages.indices.filter { file.pages[$0] && $0 >= file.probation }
        onsets = onsetRows.count
        falseOnsets = onsetRows.filter { row in !file.windows.contains { $0.contains(row) } }.count
        for (order, window) in file.windows.enumerated() {
            let found = onsetRows.contains { window.contains($0) }
            windows.add(found)
            switch order {
            case 0: firstWindows.add(found)
            case 1...4: secondToFifthWindows.add(found)
            default: laterWindows.add(found)
            }
            if window.lowerBound < Self.earlyRows { earlyWindows.add(found) } else { lateWindows.add(found) }
            let start = window.lowerBound
            if !found, start > 0, start < file.alerts.count, file.alerts[start], file.alerts[start - 1] {
                startedInsideAnOpenAlert += 1
            }
        }
    }

    /// Where an alert opens, from whether it is open at each row: open there, and not in the row before.
    package static func onsets(ofOpen alerts: [Bool]) -> [Bool] {
        alerts.indices.map { alerts[$0] && ($0 == 0 || !alerts[$0 - 1]) }
    }

    /// The file with a score of `pageScore` at each page and 0 elsewhere: at that threshold, NAB's
    /// scorer counts the pages as the detections.
    package static func pages(of file: NABFile) -> NABFile {
        NABFile(
            name: file.name, scores: file.pages.map { $0 ? pageScore : 0 }, windows: file.windows,
            alerts: file.alerts, pages: file.pages)
    }
    package static let pageScore = 1.0

    package static func + (a: AlertEpisodes, b: AlertEpisodes) -> AlertEpisodes {
        var sum = AlertEpisodes()
        sum.onsets = a.onsets + b.onsets
        sum.falseOnsets = a.falseOnsets + b.falseOnsets
        sum.windows = a.windows + b.windows
        sum.firstWindows = a.firstWindows + b.firstWindows
        sum.secondToFifthWindows = a.secondToFifthWindows + b.secondToFifthWindows
        sum.laterWindows = a.laterWindows + b.laterWindows
        sum.earlyWindows = a.earlyWindows + b.earlyWindows
        sum.lateWindows = a.lateWindows + b.lateWindows
        sum.startedInsideAnOpenAlert = a.startedInsideAnOpenAlert + b.startedInsideAnOpenAlert
        return sum
    }
}
