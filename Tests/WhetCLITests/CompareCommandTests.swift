import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import WhetStore

/// `whet compare` end to end on the embedded model: two shipped prompts for the open-instructions
/// task, every report (terminal table, JSON, HTML opened in headless Chromium, JUnit), reuse on rerun.
struct CompareCommandTests {
    static let prompts = [repoPath("prompts/open-concise.md"), repoPath("prompts/open-thorough.md")]
    static let task = repoPath("tasks/open_instructions.yaml")

    @Test func twoShippedPromptsGiveTheTableJSONHTMLAndJUnit() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let html = dir.appendingPathComponent("report.html"), junit = dir.appendingPathComponent("report.xml")
        let args = Self.prompts + ["--task", Self.task, "--limit", "2", "--judge", repoPath("judges/local.yaml"), "--db", db]

        let first = await InProcess.run(["compare"] + args + ["--html", html.path, "--junit", junit.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("judged/reused/identical") && first.stdout.contains("A vs B"), "\(first.stdout)")
        #expect(first.stdout.contains("open-concise.md") && first.stdout.contains("open-thorough.md"))
        let row = try #require(first.stdout.split(separator: "\n").first { $0.hasPrefix("A vs B") })
        #expect(row.hasSuffix("2/0/0"), "both pairs judged on the first run: \(row)")

        // HTML: both outputs side by side, both orders' verdicts with the judge's reasons, the chart.
        let page = try String(contentsOf: html, encoding: .utf8)
        let store = try LineageStore(path: db)
        let run = try #require(try store.runs().first)
        #expect(run.kind == .compare && run.status == .finished)
        let candidates = try store.candidates(run: run.id)
        #expect(candidates.count == 2)
        for candidate in candidates {
            for evaluation in try store.evaluations(candidate: candidate.id!) {
                let shown = evaluation.output.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                #expect(page.contains(shown.prefix(60)), "output of candidate \(candidate.id!) not in the page")
            }
        }
        #expect(page.contains("<svg") && page.contains("A first:") && page.contains("B first:"))
        #expect(page.contains("strongest signals"), "the judge's reasons are on the page")
        #expect(!page.contains("<script src") && !page.contains("<link "), "the page is self-contained")
        let judgments = try store.judgments(run: run.id)
        #expect(judgments.count == 4 && judgments.allSatisfy { $0.pairKey != nil && $0.method == "signals" })

        // JUnit: a suite for the pair with the gate and one case per example.
        let xml = try XMLDocument(contentsOf: junit)
        let suite = try #require(try xml.nodes(forXPath: "/testsuites/testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "tests")?.stringValue == "3")
        #expect(try xml.nodes(forXPath: "//testcase").count == 3)

        // Headless Chromium renders the page; the screenshot is kept under .build/test-artifacts.
        let shot = try Chromium.screenshot(html, name: "compare-report.png")
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "\(shot.path): \(png.count) bytes")

        // Rerun with --json: outputs from the response cache, judgments reused from the store.
        let second = await InProcess.run(["compare"] + args + ["--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        let pair = try #require((doc["pairs"] as? [[String: Any]])?.first?["result"] as? [String: Any])
        #expect(pair["reusedPairs"] as? Int == 2 && pair["judgedPairs"] as? Int == 0)
        let winRate = try #require(pair["winRate"] as? [String: Any])
        let rate = try #require(winRate["rate"] as? Double)
        #expect((winRate["low"] as? Double ?? 2) <= rate && rate <= (winRate["high"] as? Double ?? -1))
        #expect((doc["prompts"] as? [[String: Any]])?.count == 2)
        #expect(first.stdout.contains(String(format: "%.3f", rate)), "the rerun reports the first run's win rate")
    }

    @Test func identicalPromptsWarnAndTieWithoutJudgeCalls() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let r = await InProcess.run(["compare", Self.prompts[0], Self.prompts[0], "--task", Self.task, "--limit", "2", "--db", db, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning:") && r.stderr.contains("are identical"), "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let pair = try #require((doc["pairs"] as? [[String: Any]])?.first?["result"] as? [String: Any])
        #expect(pair["identicalPairs"] as? Int == 2 && pair["judgedPairs"] as? Int == 0)
        #expect((pair["winRate"] as? [String: Any])?["rate"] as? Double == 0.5)
        // The task's judge (judges/pairwise.yaml) asks the model; only the two generations were made.
        #expect(try LineageStore(path: db).count("model_calls") == 2)
    }

    @Test func failUnderExitsOneWhenAIsWorse() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["compare", Self.prompts[0], Self.prompts[0], "--task", Self.task, "--limit", "1", "--db",
                    dir.appendingPathComponent("l.sqlite").path, "--fail-under"]
        // Identical prompts tie: win rate 0.5 passes 0.5 and fails 0.6.
        #expect(try Whet.run(args + ["0.5"], cwd: repoRoot).status == 0)
        let failed = try Whet.run(args + ["0.6"], cwd: repoRoot)
        #expect(failed.status == 1, "\(failed.stderr)")
    }

    @Test func badInputIsAClearErrorWithExit2() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path

        let missing = await InProcess.run(["compare", "prompts/nope.md", Self.prompts[0], "--task", Self.task, "--db", db])
        #expect(missing.status == 2 && missing.stderr.contains("prompts/nope.md: prompt file does not exist"), "\(missing.stderr)")

        let noVerdict = dir.appendingPathComponent("no-verdict.yaml")
        try "name: broken\nmode: pairwise\ntemplate: \"Which is better? {output_a} or {output_b}\"\n"
            .write(to: noVerdict, atomically: true, encoding: .utf8)
        let judge = await InProcess.run(["compare"] + Self.prompts + ["--task", Self.task, "--judge", noVerdict.path, "--db", db])
        #expect(judge.status == 2 && judge.stderr.contains(noVerdict.path) && judge.stderr.contains("verdict"), "\(judge.stderr)")

        let constant = dir.appendingPathComponent("constant.yaml")
        try """
            name: constant
            instruction: Be helpful.
            template: "Tell me a fact."
            metric: judge
            data:
              examples: [{input: a}, {input: b}, {input: c}, {input: d}]
            splits: {train: 0.5, dev: 0.25, test: 0.25, seed: 1}
            """.write(to: constant, atomically: true, encoding: .utf8)
        let noInputs = await InProcess.run(["compare"] + Self.prompts + ["--task", constant.path, "--db", db])
        #expect(noInputs.status == 2 && noInputs.stderr.contains(constant.path) && noInputs.stderr.contains("field"),
                "\(noInputs.stderr)")

        let one = await InProcess.run(["compare", Self.prompts[0], "--task", Self.task, "--db", db])
        #expect(one.status != 0 && one.stderr.contains("at least two prompts"), "\(one.stderr)")
    }
}

/// Debian's `chromium` in headless mode (installed by scripts/setup).
enum Chromium {
    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Renders `page` and saves a PNG as `.build/test-artifacts/NAME`; returns its URL.
    static func screenshot(_ page: URL, name: String) throws -> URL {
        let chromium = try #require(binary, "chromium is not installed (scripts/setup installs Debian's chromium package)")
        let folder = repoRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let shot = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: shot)
        let profile = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: profile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                       "--user-data-dir=\(profile.path)", "--window-size=1200,1600", "--screenshot=\(shot.path)", page.absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "chromium exited with \(p.terminationStatus)")
        return shot
    }
}
