import Foundation

/// The comparison as a plain-text table for the terminal.
public enum TerminalReport {
    public static func render(_ r: ComparisonReport) -> String {
        var out: [String] = []
        let n = r.pairs.first?.result.examples.count ?? 0
        out.append("task   \(r.task) (\(r.split) split, \(n) examples)   model \(r.model)")
        out.append("judge  \(r.judge) (\(r.judgeFile)) on \(r.judgeModel), both orders")
        for w in r.warnings { out.append("warning: \(w)") }
        out.append("")
        out.append("prompts")
        for (i, p) in r.prompts.enumerated() {
            var line = "  \(letter(i))  \(pad(p.name, 28))  mean length \(f1(p.length.meanWords)) words, \(f1(p.length.meanCharacters)) chars"
            if let m = p.metricMean { line += String(format: "   metric %.3f", m) }
            out.append(line)
        }
        out.append("")
        out.append("\(pad("pair", 9)) \(pad("win rate", 9)) \(pad("95% CI", 15)) \(pad("W/T/L", 11)) \(pad("sign p", 8)) \(pad("flips", 6)) judged/reused/identical")
        for pair in r.pairs {
            let x = pair.result, w = x.winRate
            out.append("\(pad("\(letter(pair.a)) vs \(letter(pair.b))", 9)) \(pad(String(format: "%.3f", w.rate), 9)) "
                + "\(pad(String(format: "[%.3f, %.3f]", w.low, w.high), 15)) \(pad("\(w.wins)/\(w.ties)/\(w.losses)", 11)) "
                + "\(pad(String(format: "%.3g", w.signTestP), 8)) \(pad(String(format: "%.0f%%", 100 * x.flipRate), 6)) "
                + "\(x.judgedPairs)/\(x.reusedPairs)/\(x.identicalPairs)")
            if let t = x.pairedTest {
                out.append(String(format: "          metric %@: %.3f vs %.3f, difference %+.3f [%.3f, %.3f], p = %.3g",
                                  t.method == .mcnemar ? "(McNemar)" : "(paired bootstrap)", t.meanA, t.meanB, t.difference,
                                  t.low, t.high, t.pValue))
            }
        }
        if let bt = r.bradleyTerry {
            out.append("")
            out.append("Bradley-Terry strengths (95% bootstrap interval, \(bt.rounds) rounds)")
            for (i, s) in bt.strengths.enumerated().sorted(by: { $0.element.strength > $1.element.strength }) {
                out.append(String(format: "  %@  %@ %+.3f  [%+.3f, %+.3f]  expected win rate %.3f", letter(i), pad(s.name, 28),
                                  s.strength, s.low, s.high, s.expectedWinRate))
            }
        }
        out.append("")
        out.append("win rate = (wins + ties/2) / examples for the first prompt of the pair; a verdict that changes with the order is a tie")
        if let failUnder = r.failUnder, let passed = r.passed {
            out.append(String(format: "gate: A's win rate against B %.3f %@ --fail-under %.3f: %@", r.headline!.result.winRate.rate,
                              passed ? ">=" : "<", failUnder, passed ? "pass" : "FAIL"))
        }
        if let c = r.compression {
            out.append("compress \(c.originalTokens) -> \(c.compressedTokens) tokens of compressed fields in the prompts run "
                + "(saved \(c.tokensSaved), rate \(String(format: "%.2f", c.rate)))")
        }
        if let run = r.runId { out.append("run    \(run)  (\(String(format: "%.1f", r.seconds)) s)") }
        return out.joined(separator: "\n") + "\n"
    }

    static func letter(_ i: Int) -> String { i < 26 ? String(UnicodeScalar(UInt8(65 + i))) : "P\(i + 1)" }
    static func f1(_ x: Double) -> String { String(format: "%.1f", x) }
    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? String(s.prefix(width)) : s + String(repeating: " ", count: width - s.count)
    }
}
