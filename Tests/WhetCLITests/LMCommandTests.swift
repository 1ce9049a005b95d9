import Foundation
import Testing

/// `whet lm tokenize|generate|logprobs|score|bench` on the embedded model: the commands' JSON (run in
/// process) held to what llama.cpp computes (the fixture that the engine tests also use), and the real
/// binary's exit codes on bad input.
struct LMCommandTests {
    /// llama.cpp's outputs for the embedded model (llama-cpp-python 0.3.36), as
    /// ../shared/fixtures ships them.
    /// Read once; never written after.
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let url = repoRoot.appendingPathComponent(
            "Tests/WhetInferenceTests/Fixtures/smollm2-135m-instruct-q4_1.llama-cpp.json")
        guard let data = try? Data(contentsOf: url),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return doc
    }()

    static func cases(_ key: String) -> [[String: Any]] { fixture[key] as? [[String: Any]] ?? [] }

    /// Runs `whet ARGS --json` in process and decodes its output.
    func json(_ args: [String]) async throws -> Any {
        let r = await InProcess.run(args + ["--json"])
        #expect(r.status == 0, "whet \(args.prefix(2).joined(separator: " ")): \(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    @Test func fixtureIsPresent() {
        // The parameterised tests below run once per fixture case: none without it.
        #expect(Self.cases("tokenize").count >= 10 && Self.cases("greedy").count >= 5)
        #expect(Self.cases("next_token").count >= 4 && Self.cases("nll").count >= 2)
    }

    @Test(arguments: 0..<17) func tokenizeMatchesLlamaCpp(_ i: Int) async throws {
        let cases = Self.cases("tokenize")
        guard i < cases.count else { return }
        let text = try #require(cases[i]["text"] as? String)
        // An empty value cannot be passed as an option (ArgumentParser reads `--text=` as
        // missing); an empty file can hold it.
        var input = ["--text=\(text)"]
        var dir: URL?
        defer { if let dir { try? FileManager.default.removeItem(at: dir) } }
        if text.isEmpty {
            dir = try makeTempDir()
            let file = dir!.appendingPathComponent("empty.txt")
            try Data().write(to: file)
            input = ["--file", file.path]
        }
        let doc = try #require(try await json(["lm", "tokenize"] + input) as? [String: Any])
        #expect(doc["ids"] as? [Int] == cases[i]["ids"] as? [Int], "text \(text.debugDescription)")
        // The pieces put back together give the text again, where no piece splits a
        // character's UTF-8 bytes (byte-level BPE may).
        let pieces = try #require(doc["pieces"] as? [String]).joined()
        if !pieces.contains("\u{FFFD}") { #expect(pieces == text) }
    }

    @Test(arguments: 0..<5) func greedyGenerationMatchesLlamaCpp(_ i: Int) async throws {
        let c = Self.cases("greedy")[i]
        let prompt = try #require(c["prompt"] as? String)
        var expected = try #require(c["greedy_ids"] as? [Int])
        // llama.cpp's list ends with the stop token (0 or 2) when it met one; whet stops there.
        let stopped = [0, 2].contains(expected.last ?? -1)
        if stopped { expected.removeLast() }
        let doc = try #require(try await json(["lm", "generate", "--prompt=\(prompt)", "--max-tokens", "32",
                                         "--temperature", "0"]) as? [String: Any])
        #expect(doc["tokens"] as? [Int] == expected)
        #expect(doc["finishReason"] as? String == (stopped ? "stop" : "length"))
        #expect(doc["promptTokens"] as? Int == (c["prompt_ids"] as? [Int])?.count)
    }

    @Test(arguments: 0..<4) func nextTokenLogprobsMatchLlamaCpp(_ i: Int) async throws {
        let c = Self.cases("next_token")[i]
        let prompt = try #require(c["prompt"] as? String)
        let reference = try #require(c["top"] as? [[String: Any]])
        let top = try #require(try await json(["lm", "logprobs", "--prompt=\(prompt)", "--top", "\(reference.count)"])
            as? [[String: Any]])
        #expect(top.compactMap { $0["id"] as? Int } == reference.compactMap { $0["id"] as? Int })
        for (ours, theirs) in zip(top, reference) {
            let a = try #require(ours["logprob"] as? Double), b = try #require(theirs["logprob"] as? Double)
            #expect(abs(a - b) < 1e-4, "token \(theirs["id"] ?? "?"): \(a) vs llama.cpp \(b)")
        }
    }

    @Test(arguments: 0..<2) func perTokenNLLMatchesLlamaCpp(_ i: Int) async throws {
        let c = Self.cases("nll")[i]
        let text = try #require(c["text"] as? String)
        let reference = try #require(c["token_nll"] as? [Double])
        let doc = try #require(try await json(["lm", "score", "--text=\(text)"]) as? [String: Any])
        let terms = try #require(doc["perToken"] as? [[String: Any]]).compactMap { $0["nll"] as? Double }
        #expect(terms.count == reference.count)
        for (a, b) in zip(terms, reference) { #expect(abs(a - b) < 1e-4) }
        let mean = try #require(doc["meanNLL"] as? Double), refMean = try #require(c["mean_nll"] as? Double)
        #expect(abs(mean - refMean) / refMean < 0.01)
    }

    @Test func benchReportsEveryWorkload() async throws {
        let doc = try #require(try await json(["lm", "bench", "--prompt-tokens", "32", "--decode-tokens", "8", "--batch", "2",
                                         "--repeat", "1"]) as? [String: Any])
        for key in ["promptTokensPerSecond", "decodeTokensPerSecond", "batchOfOneTokensPerSecond",
                    "batchDecodeTokensPerSecond", "prefixColdSeconds", "prefixHitSeconds", "residentMegabytes"] {
            let v = try #require(doc[key] as? Double, "\(key) missing")
            #expect(v.isFinite && v > 0, "\(key) = \(v)")
        }
        #expect(doc["batchSequences"] as? Int == 2 && doc["decodeTokens"] as? Int == 8)
    }

    @Test(arguments: [["--batch", "0"], ["--decode-tokens", "0"], ["--repeat", "0"], ["--prompt-tokens", "0"]])
    func benchRejectsEmptyWorkloads(_ args: [String]) throws {
        let r = try Whet.run(["lm", "bench"] + args, cwd: repoRoot)
        #expect(r.status != 0)
        #expect(r.stderr.contains(args[0]) && r.stderr.contains(">= 1"), "\(r.stderr)")
    }

    @Test func benchRejectsADecodeLongerThanTheContext() throws {
        let r = try Whet.run(["lm", "bench", "--decode-tokens", "9000"], cwd: repoRoot)
        #expect(r.status == 2)
        #expect(r.stderr.contains("do not fit the model's context of 8192"), "\(r.stderr)")
    }

    @Test func missingAndTruncatedModelsAreClearErrors() throws {
        let missing = try Whet.run(["lm", "generate", "--prompt", "hi", "--model", "/nonexistent/model.gguf"],
                                   cwd: repoRoot)
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/model.gguf"))
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = repoRoot.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
        let head = try FileHandle(forReadingFrom: model).read(upToCount: 5000) ?? Data()
        let truncated = dir.appendingPathComponent("truncated.gguf")
        try head.write(to: truncated)
        let r = try Whet.run(["lm", "logprobs", "--prompt", "hi", "--model", truncated.path], cwd: repoRoot)
        #expect(r.status == 2)
        #expect(r.stderr.contains(truncated.path) && r.stderr.contains("impossible"), "\(r.stderr)")
    }
}
