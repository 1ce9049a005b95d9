import Foundation
import Testing

/// `whet validate`, usage errors and help: in process, and the real binary for its exit code.
struct FileCommandsTests {
    @Test func validateAcceptsEveryShippedFile() async throws {
        let files = try ["tasks", "judges", "prompts"].flatMap { dir in
            try FileManager.default.contentsOfDirectory(atPath: repoRoot.appendingPathComponent(dir).path)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".md") }.map { repoPath("\(dir)/\($0)") }
        }
        let r = await InProcess.run(["validate"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == files.count)
    }

    @Test func validateReportsFileLineFieldAndExits2() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try "name: t\ninstruction: x\ntemplate: \"{input}\"\nmetric: f1_score\ndata: {examples: [{input: a}], answer: input}\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let r = try Whet.run(["validate", bad.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(bad.path):4: metric: unknown metric 'f1_score'"), "\(r.stderr)")
    }

    @Test func validateJSONSaysWhatEachFileHolds() async throws {
        let r = await InProcess.run(["validate", "--json", repoPath("tasks/sentiment.yaml")])
        #expect(r.status == 0)
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        let detail = try #require(list?.first?["detail"] as? [String: String])
        #expect(detail["test"] == "100" && detail["metric"] == "choice_accuracy")
    }

    @Test func unknownSubcommandAndMissingArgumentsAreUsageErrors() async throws {
        let r = await InProcess.run(["frobnicate"])
        #expect(r.status != 0 && r.stderr.contains("frobnicate"))
        let r2 = await InProcess.run(["lineage"])
        #expect(r2.status != 0 && r2.stderr.contains("Missing expected argument"))
    }

    @Test func helpListsTheSubcommands() async throws {
        let r = await InProcess.run(["--help"])
        #expect(r.status == 0)
        for sub in ["eval", "validate", "serve", "runs", "lineage", "lm", "embed"] {
            #expect(r.stdout.contains(sub), "help lacks \(sub)")
        }
    }
}
