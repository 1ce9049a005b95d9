import Foundation
import WhetStore

/// The comparison as one self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched):
/// a chart of win rates with their 95% intervals, the summary table, and for every example the two
/// outputs side by side with both orders' verdicts and the judge's reasons.
public enum HTMLReport {
    public static func render(_ r: ComparisonReport) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>whet compare: \(esc(r.task))</title>
            <style>\(css)</style></head><body>
            <h1>whet compare · \(esc(r.task))</h1>
            <p class="meta">\(esc(r.split)) split · model <code>\(esc(r.model))</code> · judge <b>\(esc(r.judge))</b>
            (<code>\(esc(r.judgeFile))</code>) on <code>\(esc(r.judgeModel))</code>, both orders\(r.runId.map { " · run <code>\(esc($0))</code>" } ?? "")</p>

            """
        for w in r.warnings { h += "<p class=\"warn\">warning: \(esc(w))</p>\n" }
        if let passed = r.passed, let failUnder = r.failUnder, let head = r.headline {
            h += String(format: "<p class=\"%@\">gate: A's win rate against B %.3f, --fail-under %.3f: <b>%@</b></p>\n",
                        passed ? "pass" : "fail", head.result.winRate.rate, failUnder, passed ? "pass" : "FAIL")
        }
        h += "<h2>Prompts</h2>\n<table><tr><th></th><th>prompt</th><th>mean words</th><th>mean characters</th><th>metric</th><th>text</th></tr>\n"
        for (i, p) in r.prompts.enumerated() {
            h += "<tr><td><b>\(letter(i))</b></td><td>\(esc(p.name))</td><td>\(f(p.length.meanWords, 1))</td><td>\(f(p.length.meanCharacters, 0))</td>"
                + "<td>\(p.metricMean.map { f($0, 3) } ?? "–")</td><td><details><summary>show</summary><pre>\(esc(p.text))</pre></details></td></tr>\n"
        }
        h += "</table>\n<h2>Win rates</h2>\n" + chart(r) + summaryTable(r)
        if let bt = r.bradleyTerry { h += strengths(bt) }
        for pair in r.pairs { h += examples(pair, r) }
        h += "<p class=\"meta\">Win rate = (wins + ties/2) / examples for the first prompt of a pair, with Wilson's 95% interval; "
            + "the sign test drops ties. Each pair is judged in both orders; when the orders disagree the pair is a tie and counts as a "
            + "position flip.</p>\n</body></html>\n"
        return h
    }

    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1200px;color:#1b1b1b;padding:0 16px}
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f3f3f3}.meta{color:#555}.warn{background:#fff4d6;padding:6px 10px;border-left:4px solid #e0a800}
        .pass{background:#e5f6e8;padding:6px 10px;border-left:4px solid #2e8b57}.fail{background:#fde8e8;padding:6px 10px;border-left:4px solid #c0392b}
        pre{white-space:pre-wrap;word-break:break-word;margin:0;font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
        .ex{border:1px solid #ddd;border-radius:6px;margin:12px 0;padding:8px 12px}.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}
        .out{background:#fafafa;border:1px solid #e5e5e5;border-radius:4px;padding:8px}.win{border-color:#2e8b57;background:#f0faf3}
        .verdict{font-weight:600}.reason{color:#444;font-size:13px;margin-top:8px}.reason pre{border-left:3px solid #ddd;padding-left:8px;margin-top:2px}.small{font-size:12px;color:#666}
        """

    static func chart(_ r: ComparisonReport) -> String {
        let rowHeight = 34, left = 170, width = 520, top = 24
        let height = top + rowHeight * r.pairs.count + 30
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + width + 80)\" height=\"\(height)\" role=\"img\" aria-label=\"win rates with 95% intervals\">\n"
        func x(_ v: Double) -> Int { left + Int((v * Double(width)).rounded()) }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(x(tick))\" y1=\"\(top - 6)\" x2=\"\(x(tick))\" y2=\"\(height - 24)\" stroke=\"\(tick == 0.5 ? "#888" : "#e3e3e3")\" stroke-dasharray=\"\(tick == 0.5 ? "4 3" : "0")\"/>\n"
            s += "<text x=\"\(x(tick))\" y=\"\(height - 8)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">\(f(tick, 2))</text>\n"
        }
        for (row, pair) in r.pairs.enumerated() {
            let w = pair.result.winRate
            let y = top + row * rowHeight + rowHeight / 2
            let label = "\(letter(pair.a)) vs \(letter(pair.b))"
            s += "<text x=\"\(left - 10)\" y=\"\(y + 4)\" font-size=\"12\" text-anchor=\"end\">\(esc(label))</text>\n"
            s += "<line x1=\"\(x(w.low))\" y1=\"\(y)\" x2=\"\(x(w.high))\" y2=\"\(y)\" stroke=\"#3367d6\" stroke-width=\"3\"/>\n"
            for end in [w.low, w.high] {
                s += "<line x1=\"\(x(end))\" y1=\"\(y - 7)\" x2=\"\(x(end))\" y2=\"\(y + 7)\" stroke=\"#3367d6\" stroke-width=\"2\"/>\n"
            }
            s += "<circle cx=\"\(x(w.rate))\" cy=\"\(y)\" r=\"6\" fill=\"#3367d6\"><title>\(esc(label)): \(f(w.rate, 3)) [\(f(w.low, 3)), \(f(w.high, 3))]</title></circle>\n"
            s += "<text x=\"\(x(1) + 10)\" y=\"\(y + 4)\" font-size=\"12\">\(f(w.rate, 3))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func summaryTable(_ r: ComparisonReport) -> String {
        var s = "<table><tr><th>pair</th><th>win rate</th><th>95% CI</th><th>wins / ties / losses</th><th>sign test p</th>"
            + "<th>position flips</th><th>mean words A / B</th><th>metric test</th></tr>\n"
        for pair in r.pairs {
            let x = pair.result, w = x.winRate
            let test = x.pairedTest.map { String(format: "%@ %.3f vs %.3f, p = %.3g", $0.method.rawValue, $0.meanA, $0.meanB, $0.pValue) } ?? "–"
            s += "<tr><td>\(letter(pair.a)) vs \(letter(pair.b))</td><td>\(f(w.rate, 3))</td><td>[\(f(w.low, 3)), \(f(w.high, 3))]</td>"
                + "<td>\(w.wins) / \(w.ties) / \(w.losses)</td><td>\(String(format: "%.3g", w.signTestP))</td>"
                + "<td>\(f(100 * x.flipRate, 0))%</td><td>\(f(x.lengthA.meanWords, 1)) / \(f(x.lengthB.meanWords, 1))</td><td>\(esc(test))</td></tr>\n"
        }
        return s + "</table>\n"
    }

    static func strengths(_ bt: BradleyTerry) -> String {
        var s = "<h2>Bradley-Terry strengths</h2>\n<table><tr><th>prompt</th><th>strength</th><th>95% bootstrap interval</th><th>expected win rate</th></tr>\n"
        for (i, st) in bt.strengths.enumerated() {
            s += "<tr><td>\(letter(i)) \(esc(st.name))</td><td>\(String(format: "%+.3f", st.strength))</td>"
                + "<td>[\(String(format: "%+.3f", st.low)), \(String(format: "%+.3f", st.high))]</td><td>\(f(st.expectedWinRate, 3))</td></tr>\n"
        }
        return s + "</table>\n"
    }

    static func examples(_ pair: ComparisonReport.Pair, _ r: ComparisonReport) -> String {
        let a = letter(pair.a), b = letter(pair.b)
        var s = "<h2>\(a) vs \(b): examples</h2>\n"
        for e in pair.result.examples {
            let j = e.judgment
            let outcome = j.identical ? "identical outputs: tie, not judged" : j.verdict == .tie ? "tie" : "\(j.verdict == .a ? a : b) better"
            s += "<div class=\"ex\"><div class=\"small\">\(esc(e.id))\(e.reused ? " · reused from the store" : "")</div>"
            s += "<details open><summary>instruction</summary><pre>\(esc(e.instruction))</pre></details>"
            if let ref = e.reference { s += "<details><summary>reference</summary><pre>\(esc(ref))</pre></details>" }
            s += "<div class=\"side\"><div class=\"out\(j.verdict == .a ? " win" : "")\"><div class=\"small\">\(a)</div><pre>\(esc(e.outputA))</pre></div>"
            s += "<div class=\"out\(j.verdict == .b ? " win" : "")\"><div class=\"small\">\(b)</div><pre>\(esc(e.outputB))</pre></div></div>"
            s += "<p class=\"verdict\">\(esc(outcome))\(j.flipped ? " (the orders disagreed)" : "")</p>"
            for o in j.orders where !j.identical {
                let shown = o.order == .ab ? "\(a) first" : "\(b) first"
                let said = o.verdict == .tie ? "tie" : (o.verdict == .a ? a : b)
                let p = o.probabilityA.map { ", P(\(a) better) = \(f($0, 2))" } ?? ""
                s += "<div class=\"reason\">\(esc(shown)): \(esc(said))\(esc(p)) <span class=\"small\">(\(esc(o.method)))</span>"
                if let reason = o.reason, !reason.isEmpty { s += "<pre>\(esc(reason))</pre>" }
                s += "</div>"
            }
            if let sa = e.scoreA, let sb = e.scoreB { s += "<div class=\"small\">metric: \(a) \(f(sa, 3)), \(b) \(f(sb, 3))</div>" }
            s += "</div>\n"
        }
        return s
    }

    static func letter(_ i: Int) -> String { TerminalReport.letter(i) }
    static func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    public static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
