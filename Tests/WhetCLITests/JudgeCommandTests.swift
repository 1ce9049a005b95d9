import Foundation
import Testing

/// `whet judge PAIRS.jsonl`: fixed pairs in both orders with the local judges, a remote judge
/// through `--judge-model` against a real `whet serve` on loopback, and malformed pairs files.
struct JudgeCommandTests {
    static let pairs = """
        {"input": "List three fruits.", "output_1": "Apple, banana and cherry.", "output_2": "List three fruits. List three fruits. List three fruits. List three fruits.", "label": 1}
        {"input": "Answer in one word: what colour is the sky on a clear day?", "output_1": "The sky on a clear day is usually a beautiful shade of blue, because air scatters blue light more than red light.", "output_2": "Blue.", "label": 2}

        {"input": "Say hello.", "output_1": "Hello!", "output_2": "Hello!", "label": 0}
        """

    func pairsFile(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("pairs.jsonl").path
        try Self.pairs.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func judge(_ args: [String]) async throws -> [String: Any] {
        let r = await InProcess.run(["judge"] + args + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    @Test func theCombinedJudgeGivesVerdictsProbabilitiesAndAgreement() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = try await judge([try pairsFile(in: dir), "--judge", repoPath("judges/local.yaml"),
                                   "--db", dir.appendingPathComponent("l.sqlite").path])
        let list = try #require(doc["pairs"] as? [[String: Any]])
        #expect(list.map { $0["index"] as? Int } == [0, 1, 2] && doc["n"] as? Int == 3)
        // Lines are numbered as in the file (a blank line is skipped, not renumbered).
        #expect(list.map { $0["line"] as? Int } == [1, 2, 4])
        // The echoed loop loses, the answer that ignores "in one word" loses, identical outputs tie.
        #expect(list.map { $0["verdict"] as? Int } == [1, 2, 0])
        #expect((list[0]["pFirst"] as? Double ?? 0) > 0.5 && (list[1]["pFirst"] as? Double ?? 1) < 0.5)
        let orders = try #require(list[0]["orders"] as? [String: Any])
        #expect(orders.keys.sorted() == ["ab", "ba"])
        #expect(doc["agreement"] as? Double == 1 && doc["flipRate"] as? Double == 0)
    }

    @Test func aRemoteJudgeThroughWhetServeMatchesTheLocalOne() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try pairsFile(in: dir)
        let server = try ServedWhet()
        defer { server.stop() }
        let judgeFile = repoPath("judges/pairwise.yaml")
        let remote = try await judge([file, "--judge", judgeFile, "--judge-model", "\(server.baseURL)#smol",
                                      "--db", dir.appendingPathComponent("r.sqlite").path])
        let local = try await judge([file, "--judge", judgeFile, "--db", dir.appendingPathComponent("l.sqlite").path])
        let remotePairs = try #require(remote["pairs"] as? [[String: Any]]), localPairs = try #require(local["pairs"] as? [[String: Any]])
        for (r, l) in zip(remotePairs, localPairs) where (r["line"] as? Int) != 4 {
            let ro = try #require(r["orders"] as? [String: [String: Any]]), lo = try #require(l["orders"] as? [String: [String: Any]])
            for key in ["ab", "ba"] {
                // Read from the server's top log-probabilities, not from generated text.
                #expect(ro[key]?["method"] as? String == "logprobs", "\(ro)")
                let rp = try #require(ro[key]?["pFirst"] as? Double), lp = try #require(lo[key]?["pFirst"] as? Double)
                // The server gives the first token's top-20 log-probabilities ("Response" counts half for each of
                // "Response 1" and "Response 2"); the engine scores each whole label: close, not equal.
                #expect(abs(rp - lp) < 0.15, "line \(r["line"] ?? "?") \(key): remote \(rp), local \(lp)")
                #expect(ro[key]?["verdict"] as? Int == lo[key]?["verdict"] as? Int)
            }
        }
        #expect(remote["flipRate"] as? Double == local["flipRate"] as? Double)
    }

    @Test func malformedPairsNameTheLineAndExit2() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            ("{\"input\": \"a\", \"output_1\": \"b\", \"output_2\": \"c\"}\n{\"input\": \"a\", \"output_1\": \"b\"\n", ":2: not valid JSON"),
            ("{\"input\": \"a\", \"output_1\": \"b\", \"output_2\": \"c\"}\n\n{\"input\": \"a\", \"output_1\": \"b\"}\n", ":3: output_2: missing"),
            ("{\"input\": \"a\", \"output_1\": \"b\", \"output_2\": \"c\", \"label\": 3}\n", ":1: label: expected 1, 2 or 0"),
            ("[1, 2]\n", ":1: expected a JSON object"),
            ("{\"input\": \"a\", \"output_1\": \"b\", \"output_2\": \"c\", \"winner\": 1}\n", ":1: winner: unknown field"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            let path = dir.appendingPathComponent("bad\(i).jsonl").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let r = await InProcess.run(["judge", path, "--judge", repoPath("judges/local.yaml")])
            #expect(r.status == 2 && r.stderr.contains(path + message), "\(r.stderr)")
        }
        let missing = await InProcess.run(["judge", dir.appendingPathComponent("none.jsonl").path])
        #expect(missing.status == 2 && missing.stderr.contains("none.jsonl: file does not exist"), "\(missing.stderr)")
    }
}

/// A real `whet serve` on a free loopback port, stopped by its PID.
final class ServedWhet {
    let process = Process()
    let baseURL: String

    init() throws {
        process.executableURL = Whet.binary
        process.arguments = ["serve", "--port", "0", "--model", repoPath("models/SmolLM2-135M-Instruct.Q4_1.gguf"), "--model-id", "smol",
                             "--no-auth", "--db", NSTemporaryDirectory() + "served-\(UUID().uuidString).sqlite"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The server prints "whet serve: smol on http://127.0.0.1:PORT/v1" once it listens.
        var seen = ""
        while !seen.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let url = seen.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines), url.hasPrefix("http") else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "whet serve did not start: \(seen)"])
        }
        baseURL = url
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
