import Foundation
import Testing
import WhetCompression
@testable import WhetCLI

/// `whet compress`: options parsed and rendered in-process with one loaded compressor;
/// bad input through `WhetMain` (exit 2, before any model loads); one end-to-end run of
/// the real binary for exit codes, stdin and stdout.
@Suite(.serialized) struct CompressCommandTests {
    static let compressor = Result { try PromptCompressor.loadDefault() }

    static let article: String = {
        let sentences = [
            "The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Conrad Röntgen, of Germany.",
            "He received 150,782 SEK for the discovery of X-rays, described at https://www.nobelprize.org/prizes/physics/1901/.",
            "The prize is awarded by the Royal Swedish Academy of Sciences in Stockholm every autumn.",
            "Committees of five members review nominations that arrive from professors around the world.",
            "Many laureates were honoured decades after the work that earned them the prize.",
            "The ceremony takes place on 10 December, the anniversary of the death of Alfred Nobel.",
        ]
        return (0..<6).map { k in (0..<6).map { sentences[($0 + k) % 6] }.joined(separator: " ") }.joined(separator: "\n\n")
    }()

    func parse(_ args: [String]) throws -> CompressCommand {
        try #require(try WhetCommand.parseAsRoot(["compress"] + args) as? CompressCommand)
    }

    /// A temporary file holding `contents`; removed by the caller's `defer`.
    func tempFile(_ contents: Data) throws -> (dir: URL, path: String) {
        let dir = try makeTempDir()
        let file = dir.appendingPathComponent("doc.txt")
        try contents.write(to: file)
        return (dir, file.path)
    }

    @Test func jsonOutputHasTheDocumentedFields() throws {
        let compressor = try Self.compressor.get()
        let (dir, path) = try tempFile(Data(Self.article.utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = try parse([path, "--rate", "0.4", "--question", "Who got the first Nobel Prize in Physics?",
                                 "--keep", "/Röntgen/", "--json"])
        let result = try compressor.compress(try command.makeRequest(text: try command.readInput()))
        let json = try command.render(result)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let keys = ["compressed", "originalTokens", "compressedTokens", "rate", "mode", "keptSpans"]
        #expect(Set(doc.keys) == Set(keys))
        #expect(doc["originalTokens"] as? Int == result.originalTokens)
        #expect(doc["compressedTokens"] as? Int == compressor.countTokens(result.compressed))
        let compressed = try #require(doc["compressed"] as? String)
        #expect(compressed.contains("Röntgen"))
        #expect(doc["mode"] as? String == "token")
        let rate = try #require(doc["rate"] as? Double)
        #expect(abs(rate / 0.4 - 1) <= 0.1, "rate \(rate)")
        #expect((doc["keptSpans"] as? [[Int]])?.isEmpty == false)
    }

    @Test func runsInProcessThroughWhetMain() async throws {
        let (dir, path) = try tempFile(Data(Self.article.utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let console = Console(capture: true)
        let status = await WhetMain.run(["compress", path, "--mode", "sentence", "--rate", "0.5", "--json"], console: console)
        #expect(status == 0, "\(console.standardError)")
        let doc = try JSONSerialization.jsonObject(with: Data(console.standardOutput.utf8)) as? [String: Any]
        #expect(doc?["mode"] as? String == "sentence")
        #expect(console.standardError.contains("sentence mode"))
    }

    @Test func textOutputIsTheCompressedTextAndSummaryNamesTheRate() throws {
        let compressor = try Self.compressor.get()
        let command = try parse(["-", "--target-tokens", "120", "--mode", "sentence"])
        let result = try compressor.compress(try command.makeRequest(text: Self.article))
        #expect(try command.render(result) == result.compressed + "\n")
        #expect(command.summary(result).contains("sentence mode"))
        #expect(command.summary(result).contains(String(format: "rate %.3f", result.rate)))
    }

    @Test(arguments: [
        (["--rate", "0"], "--rate: expected a number in (0, 1], got 0.0"),
        (["--rate", "1.5"], "--rate: expected a number in (0, 1], got 1.5"),
        (["--rate", "0.5", "--target-tokens", "10"], "give --rate or --target-tokens, not both"),
        (["--target-tokens", "0"], "--target-tokens: expected a positive whole number, got 0"),
        (["--keep", "/(/"], "keep \"(\": not a valid regular expression"),
        (["--question-nll=-1"], "--question-nll: expected a whole number >= 0, got -1"),
    ])
    func badOptionsAreClearErrors(args: [String], message: String) async throws {
        let (dir, path) = try tempFile(Data(Self.article.utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = try parse([path] + args)
        #expect(performing: { _ = try command.makeRequest(text: Self.article) }, throws: { error in
            (error as? LocalizedError)?.errorDescription == message
        })
        let console = Console(capture: true)
        #expect(await WhetMain.run(["compress", path] + args, console: console) == 2)
        #expect(console.standardError == "error: \(message)\n" && console.standardOutput.isEmpty)
    }

    @Test(arguments: [
        (Data(), "the input is empty"),
        (Data("  \n\n".utf8), "the input is empty"),
        (Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x00, 0x00]), "binary data at byte 5"),
        (Data([0x61, 0x62, 0x0A, 0xFF, 0x63]), ":2: invalid UTF-8 at byte 3"),
    ])
    func badInputFilesAreClearErrors(data: Data, message: String) async throws {
        let (dir, path) = try tempFile(data)
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = try parse([path])
        #expect(performing: { _ = try command.readInput() }, throws: { error in
            (error as? LocalizedError)?.errorDescription?.contains(message) == true
        })
        let console = Console(capture: true)
        #expect(await WhetMain.run(["compress", path], console: console) == 2)
        #expect(console.standardError.hasPrefix("error: \(path)") && console.standardError.contains(message))
        let missing = Console(capture: true)
        #expect(await WhetMain.run(["compress", "/nonexistent/doc.txt"], console: missing) == 2)
        #expect(missing.standardError == "error: /nonexistent/doc.txt: no such file\n")
    }

    @Test func binaryEndToEnd() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("doc.txt")
        try Self.article.write(to: file, atomically: true, encoding: .utf8)
        let ok = try Whet.run(["compress", file.path, "--rate", "0.33", "--json"], cwd: repoRoot)
        #expect(ok.status == 0, "\(ok.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        #expect((doc?["originalTokens"] as? Int ?? 0) > 300)
        #expect(ok.stderr.contains("compressed") && !ok.stderr.contains("\r"), "no bar without a terminal")

        let empty = dir.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        let bad = try Whet.run(["compress", empty.path])
        #expect(bad.status == 2 && bad.stderr.contains("\(empty.path): the input is empty"), "\(bad.stderr)")
        #expect(bad.stdout.isEmpty)
        let rate = try Whet.run(["compress", file.path, "--rate", "2"])
        #expect(rate.status == 2 && rate.stderr.contains("--rate"))

        let piped = try Whet.run(["compress", "-", "--target-tokens", "100000"], stdin: Data(Self.article.utf8))
        #expect(piped.status == 0)
        #expect(piped.stdout == Self.article + "\n")
        #expect(piped.stderr.contains("warning: the target of 100000 tokens is more than the input's"))
    }
}
