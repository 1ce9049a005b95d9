import Foundation
import Testing
import WhetCore
@testable import WhetServer
import WhetStore

/// The web UI in headless Chromium (Debian's `chromium`, installed by scripts/setup) against a live
/// server: the lineage tree of a finished run renders, with the path to the best; screenshots go to
/// `.build/test-output/web-ui/`.
@Suite(.serialized) struct WebUITests {
    static let output = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-output/web-ui", isDirectory: true)

    /// The page's DOM once `waitFor` (JavaScript) holds, and optionally a screenshot, through
    /// `scripts/ui-snapshot`: headless Chromium driven over the DevTools protocol, so pages that hold event
    /// streams open can be read (`--dump-dom` waits on them forever under a virtual clock).
    static func browse(_ url: String, waitFor: String, screenshot: URL? = nil, seconds: Int = 60) async throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/ui-snapshot").path
        let (status, dom, problem) = try await offPool { () throws -> (Int32, String, String) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", script, url, "--wait-for", waitFor, "--timeout", String(seconds)]
                + (screenshot.map { ["--screenshot", $0.path] } ?? [])
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self), problem)
        }
        #expect(status == 0, "\(url): `\(waitFor)` never held. \(problem)")
        return dom
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// An optimization's lineage as an optimizer records it: c1 the seed; c2, c3 from c1; c4 from c2 and c3
    /// (a crossover); c5 from c4. c4 is the best, so the path is c1 -> c2 -> c4.
    static func recordOptimization(in store: LineageStore) throws -> (run: String, ids: [Int64]) {
        let run = "r-ui-optimize"
        try store.createRun(RunRecord(id: run, kind: .optimize, taskName: "sentiment", taskPath: "tasks/sentiment.yaml",
                                      taskHash: "h", model: "smol", seed: 7))
        func add(_ instruction: String, _ op: String, _ round: Int, _ dev: Double, _ parents: [Int64]) throws -> Int64 {
            let evaluations = (0..<4).map { i in
                EvaluationRecord(candidateId: 0, exampleId: "dev:\(i)", split: .dev, output: i % 2 == 0 ? "positive" : "negative",
                                 score: Double(i) / 4 < dev ? 1 : 0, promptTokens: 30, completionTokens: 1, latencyMs: 12)
            }
            return try store.commitCandidate(
                CandidateRecord(runId: run, instruction: instruction, exemplarsJSON: #"[{"id":"train:3","answer":"positive"}]"#,
                                operatorName: op, round: round, devScore: dev), parents: parents, evaluations: evaluations).id!
        }
        let c1 = try add("Classify the sentiment of the sentence.", "seed", 0, 0.50, [])
        let c2 = try add("Classify the sentiment of the sentence as positive or negative.", "rewrite", 1, 0.62, [c1])
        let c3 = try add("Is this review positive or negative?", "ape", 1, 0.55, [c1])
        let c4 = try add("Is the sentiment of this review positive or negative? Answer with one word.", "crossover", 2, 0.74, [c2, c3])
        let c5 = try add("Answer with one word: is this review positive or negative?", "shorten", 3, 0.70, [c4])
        try store.finishRun(run, status: .finished, bestCandidateId: c4, bestDevScore: 0.74, testScore: 0.71)
        return (run, [c1, c2, c3, c4, c5])
    }

    @Test func theLineageTreeOfAFinishedRunRendersWithThePathToTheBest() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        let (run, ids) = try Self.recordOptimization(in: fixture.store)
        try FileManager.default.createDirectory(at: Self.output, withIntermediateDirectories: true)
        try await withLiveService(fixture) { port in
            let base = "http://127.0.0.1:\(port)/ui/#token=\(ServiceFixture.token)&"
            let shot = Self.output.appendingPathComponent("run-lineage.png")
            try? FileManager.default.removeItem(at: shot)
            let dom = try await Self.browse(base + "/runs/\(run)", waitFor: "document.getElementById('lineage').dataset.rendered === 'true'",
                                            screenshot: shot)
            #expect(dom.contains(#"data-rendered="true""#), "the lineage did not render:\n\(dom.prefix(3000))")
            #expect(dom.contains(#"data-nodes="5""#))
            #expect(Self.count(#" data-id=""#, in: dom) == 5, "five nodes")
            #expect(Self.count(#"class="node best-path"#, in: dom) == 3, "c1, c2 and c4 are on the path")
            #expect(Self.count(#"class="node best-path best""#, in: dom) == 1)
            #expect(dom.contains(#"data-id="\#(ids[3])""#))
            #expect(Self.count(#"class="edge best-path""#, in: dom) == 2)
            #expect(Self.count(#"class="edge extra""#, in: dom) == 1, "c4's second parent, dashed")
            #expect(dom.contains(#"data-status="finished""#))
            #expect(dom.contains("0.740"))
            let png = try Data(contentsOf: shot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(shot.path): \(png.count) bytes")

            let candidate = try await Self.browse(base + "/runs/\(run)/candidates/\(ids[3])",
                                                  waitFor: "!!document.getElementById('instruction')",
                                                  screenshot: Self.output.appendingPathComponent("candidate.png"))
            #expect(candidate.contains("Candidate c\(ids[3])"), "\(candidate.prefix(2000))")
            #expect(candidate.contains("<ins>"), "the prompt is shown as a diff against its parent")
            #expect(candidate.contains("train:3"))

            let list = try await Self.browse(base + "/", waitFor: "!!document.querySelector('[data-run=\"\(run)\"]')",
                                             screenshot: Self.output.appendingPathComponent("runs.png"))
            #expect(list.contains(#"data-run="\#(run)""#), "\(list.prefix(2000))")
        }
    }

    @Test func withoutTheTokenTheBrowserGetsTheLoginPage() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        try await withLiveService(fixture) { port in
            let dom = try await Self.browse("http://127.0.0.1:\(port)/ui/", waitFor: "!!document.getElementById('login')")
            #expect(dom.contains(#"<form id="login">"#))
            #expect(!dom.contains(#"id="view""#))
        }
    }
}
