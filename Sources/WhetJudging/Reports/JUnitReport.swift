import Foundation
import WhetStore

/// The comparison as JUnit XML for CI: one test suite per pair. Its first test case is the win-rate
/// gate (failing when `--fail-under` is given and not met, for the first pair); then one case per
/// example, failing where the pair's first prompt lost.
public enum JUnitReport {
    public static func render(_ r: ComparisonReport) -> String {
        var suites = ""
        var totalTests = 0, totalFailures = 0
        for pair in r.pairs {
            let a = TerminalReport.letter(pair.a), b = TerminalReport.letter(pair.b)
            let name = "\(a) \(r.prompts[pair.a].name) vs \(b) \(r.prompts[pair.b].name)"
            let w = pair.result.winRate
            var cases = ""
            var failures = 0
            let gate = String(format: "win rate %.3f [%.3f, %.3f], %d/%d/%d, sign test p = %.3g, position flips %.0f%%",
                              w.rate, w.low, w.high, w.wins, w.ties, w.losses, w.signTestP, 100 * pair.result.flipRate)
            cases += "    <testcase classname=\"\(esc(r.task))\" name=\"\(esc("\(a) vs \(b) win rate"))\" time=\"\(String(format: "%.3f", pair.result.seconds))\">\n"
            if pair.a == 0, pair.b == 1, let failUnder = r.failUnder, w.rate < failUnder {
                failures += 1
                cases += "      <failure message=\"\(esc(String(format: "win rate %.3f is below --fail-under %.3f", w.rate, failUnder)))\" type=\"fail-under\">\(esc(gate))</failure>\n"
            }
            cases += "      <system-out>\(esc(gate))</system-out>\n    </testcase>\n"
            for e in pair.result.examples {
                cases += "    <testcase classname=\"\(esc(r.task)).\(esc(a))-vs-\(esc(b))\" name=\"\(esc(e.id))\" time=\"0\">\n"
                let verdicts = e.judgment.orders.map { "\($0.order.rawValue): \($0.verdict.rawValue)" }.joined(separator: ", ")
                if e.judgment.verdict == .b {
                    failures += 1
                    cases += "      <failure message=\"\(esc("\(b) preferred over \(a)"))\" type=\"loss\">\(esc(verdicts))</failure>\n"
                }
                cases += "      <system-out>\(esc("verdict \(e.judgment.verdict.rawValue) (\(verdicts))"))</system-out>\n    </testcase>\n"
            }
            let tests = pair.result.examples.count + 1
            totalTests += tests
            totalFailures += failures
            suites += "  <testsuite name=\"\(esc(name))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"\(String(format: "%.3f", pair.result.seconds))\">\n"
                + cases + "  </testsuite>\n"
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"whet compare \(esc(r.task))\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" time=\"\(String(format: "%.3f", r.seconds))\">\n"
            + suites + "</testsuites>\n"
    }

    /// XML-escaped text; characters XML 1.0 forbids are dropped.
    static func esc(_ s: String) -> String {
        HTMLReport.esc(String(String.UnicodeScalarView(s.unicodeScalars.filter {
            $0.value == 0x9 || $0.value == 0xA || $0.value == 0xD || ($0.value >= 0x20 && $0.value != 0xFFFE && $0.value != 0xFFFF)
        })))
    }
}
