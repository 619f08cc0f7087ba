import Foundation
import StreamLSTMDaemon
import StreamLSTMVocabulary

/// An SVG of one replayed series: value, prediction with its band, alerts
/// and labelled windows above; anomaly score and threshold below. What a
/// person looks at when tuning a detector.
package struct SeriesPlot {
    package let series: PlotCollector.Series
    package let threshold: Double

    private let width = 1400.0, left = 80.0, right = 20.0
    private let valueTop = 50.0, valueHeight = 300.0
    private let scoreTop = 380.0, scoreHeight = 110.0
    private let height = 530.0

    package var svg: String {
        let times = series.times
        guard let first = times.min(), let last = times.max() else { return emptyPlot }
        let span = max(last - first, 1)
        func x(_ t: Double) -> Double { left + (t - first) / span * (width - left - right) }
        let shown = (series.values + series.predicted).filter(\.isFinite)
        let low = shown.min() ?? 0
        let high = shown.max() ?? 1
        let pad = max((high - low) * 0.05, 1e-9)
        let (yLow, yHigh) = (low - pad, high + pad)
        func y(_ v: Double) -> Double {
            let clamped = min(max(v, yLow), yHigh)
            return valueTop + valueHeight - (clamped - yLow) / (yHigh - yLow) * valueHeight
        }
        func yScore(_ s: Double) -> Double { scoreTop + scoreHeight - min(max(s, 0), 1) * scoreHeight }

        var out = """
            <svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' \
            viewBox='0 0 \(Int(width)) \(Int(height))' font-family='sans-serif' font-size='12'>
            <rect width='100%' height='100%' fill='white'/>

            """
        let alerts = runs(series.firing).count
        out += text(
            left, 22, "\(escape(series.key)): \(counted(times.count, "sample")), \(counted(alerts, "alert"))", size: 15,
            bold: true)
        out += legend(at: width - right - 560, 22)
        // Labelled windows across both panels, then alert runs over the values.
        for window in series.windows {
            let (a, b) = (x(max(window.start, first)), x(min(window.end, last)))
            guard b >= a else { continue }
            out += rect(a, valueTop, max(b - a, 1), scoreTop + scoreHeight - valueTop, fill: "#ffd54f", opacity: 0.35)
        }
        for run in runs(series.firing) {
            let (a, b) = (x(times[run.lowerBound]), x(times[run.upperBound - 1]))
            out += rect(a, valueTop, max(b - a, 2), valueHeight, fill: "#e53935", opacity: 0.18)
        }
        out += frame(valueTop, valueHeight) + frame(scoreTop, scoreHeight)
        out += band(x: x, y: y)
        out += path(series.values, x: x, y: y, stroke: "#212121", width: 1)
        out += path(series.predicted, x: x, y: y, stroke: "#1e88e5", width: 1)
        out += path(series.scores, x: x, y: yScore, stroke: "#fb8c00", width: 1)
        out +=
            "<line x1='\(left)' x2='\(width - right)' y1='\(fmt(yScore(threshold)))' "
            + "y2='\(fmt(yScore(threshold)))' stroke='#e53935' stroke-dasharray='6 4'/>" + "\n"
        // Axes: value range, score range, first and last time.
        out += text(left - 6, valueTop + 12, short(yHigh), anchor: "end")
        out += text(left - 6, valueTop + valueHeight, short(yLow), anchor: "end")
        out += text(left - 6, scoreTop + 12, "1", anchor: "end")
        out += text(left - 6, scoreTop + scoreHeight, "0", anchor: "end")
        out += text(left - 6, yScore(threshold) + 4, "thr \(short(threshold))", anchor: "end")
        out += text(left, scoreTop + scoreHeight + 20, rfc3339(first))
        out += text(width - right, scoreTop + scoreHeight + 20, rfc3339(last), anchor: "end")
        out += text(left + 4, scoreTop - 6, "anomaly score")
        return out + "</svg>\n"
    }

    private var emptyPlot: String {
        "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='40'><text x='10' y='25'>no samples</text></svg>"
            + "\n"
    }

    /// Index ranges where `flags` is true.
    private func runs(_ flags: [Bool]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (index, flag) in flags.enumerated() {
            if flag, start == nil { start = index }
            if !flag, let begun = start {
                result.append(begun..<index)
                start = nil
            }
        }
        if let begun = start { result.append(begun..<flags.count) }
        return result
    }

    /// A polyline through the finite points, broken where a value is missing.
    private func path(
        _ values: [Double], x: (Double) -> Double, y: (Double) -> Double, stroke: String,
        width: Double
    ) -> String {
        var d = ""
        var drawing = false
        for (index, value) in values.enumerated() {
            guard value.isFinite else {
                drawing = false
                continue
            }
            d += (drawing ? "L" : "M") + fmt(x(series.times[index])) + " " + fmt(y(value))
            drawing = true
        }
        return "<path d='\(d)' fill='none' stroke='\(stroke)' stroke-width='\(width)'/>" + "\n"
    }

    /// The prediction's band of normal values, as filled segments between missing points.
    private func band(x: (Double) -> Double, y: (Double) -> Double) -> String {
        var out = ""
        var segment: [Int] = []
        func close() {
            guard segment.count > 1 else {
                segment = []
                return
            }
            var d = ""
            for (n, i) in segment.enumerated() {
                d += (n == 0 ? "M" : "L") + fmt(x(series.times[i])) + " " + fmt(y(series.upper[i]))
            }
            for i in segment.reversed() { d += "L" + fmt(x(series.times[i])) + " " + fmt(y(series.lower[i])) }
            out += "<path d='\(d)Z' fill='#90caf9' fill-opacity='0.45' stroke='none'/>" + "\n"
            segment = []
        }
        for index in series.times.indices {
            if series.upper[index].isFinite && series.lower[index].isFinite { segment.append(index) } else { close() }
        }
        close()
        return out
    }

    private func legend(at x: Double, _ y: Double) -> String {
        let items: [(String, String)] = [
            ("#212121", "value"), ("#1e88e5", "prediction"), ("#90caf9", "band"),
            ("#e53935", "alert"), ("#ffd54f", "labelled window"), ("#fb8c00", "score"),
        ]
        var out = ""
        var position = x
        for (colour, name) in items {
            out += rect(position, y - 10, 12, 12, fill: colour, opacity: 0.9)
            out += text(position + 16, y, name)
            position += 22 + Double(name.count) * 7
        }
        return out
    }

    private func frame(_ top: Double, _ height: Double) -> String {
        "<rect x='\(left)' y='\(top)' width='\(width - left - right)' height='\(height)' fill='none' stroke='#9e9e9e'/>"
            + "\n"
    }

    private func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, opacity: Double) -> String {
        "<rect x='\(fmt(x))' y='\(fmt(y))' width='\(fmt(w))' height='\(fmt(h))' fill='\(fill)' fill-opacity='\(opacity)'/>"
            + "\n"
    }

    private func text(
        _ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Int = 12,
        bold: Bool = false
    ) -> String {
        let weight = bold ? " font-weight='bold'" : ""
        return
            "<text x='\(fmt(x))' y='\(fmt(y))' text-anchor='\(anchor)' font-size='\(size)'\(weight)>\(content)</text>"
            + "\n"
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    private func short(_ v: Double) -> String { String(format: "%.4g", v) }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
