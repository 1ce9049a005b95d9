import ArgumentParser
import Foundation
import WhetCompression
import WhetCore

extension CompressionMode: ExpressibleByArgument {}

/// `whet compress FILE|-`: the context compressed to a token budget, printed as text or JSON.
struct CompressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress a long context to a token budget, keeping what a question needs.",
        discussion: """
        Token mode (LLMLingua-style) drops whole words by the local model's surprisal, window by window, \
        after a sentence-level filter; with --question it ranks sentences and documents by MiniLM similarity \
        and the question's likelihood, keeps the most relevant sentences whole, gives relevant paragraphs a \
        larger share and scores their words with and without the question. Sentence mode (RECOMP-style) keeps \
        whole sentences by similarity to the question. Budgets count the scoring model's tokens; the \
        question is never compressed.

        Never split: words, numbers, URLs, identifiers, Markdown links. Kept by default: numbers and URLs \
        (with their sentence), paragraph breaks, fenced code blocks, headings, JSON keys and punctuation \
        (JSON output stays valid JSON), and every --keep match.

        Examples:
          whet compress report.txt --rate 0.33 --question "When was the contract signed?"
          cat notes.md | whet compress - --target-tokens 500 --keep ACME-42 --keep '/ID-[0-9]+/' --json
        """)

    @Argument(help: "The text file to compress, or - for standard input.")
    var file: String

    @Option(name: .long, help: "The question the compressed context must answer (kept whole, not counted).")
    var question: String?

    @Option(name: .long, help: "Share of the tokens to keep, in (0, 1]. Default 0.5 unless --target-tokens is given.")
    var rate: Double?

    @Option(name: .customLong("target-tokens"), help: "Keep about this many tokens instead of a rate.")
    var targetTokens: Int?

    @Option(name: .long, help: "token, sentence or auto (token mode up to 32k tokens, sentence mode above).")
    var mode: CompressionMode = .auto

    @Option(name: .long, help: "Always keep this string, or /regex/ (repeatable).")
    var keep: [String] = []

    @Flag(name: .customLong("no-keep-numbers"), help: "Let the token stage drop numbers like any other word.")
    var noKeepNumbers = false

    @Flag(name: .customLong("compress-code"), help: "Compress inside fenced code blocks (kept whole by default).")
    var compressCode = false

    @Flag(name: .customLong("compress-headings"), help: "Compress Markdown headings (kept whole by default).")
    var compressHeadings = false

    @Flag(name: .long, help: "Put paragraphs in order of relevance to the question, most relevant first.")
    var reorder = false

    @Option(name: .customLong("question-nll"),
            help: "Token mode with --question: re-rank the N sentences most similar to the question by its NLL after each (LongLLMLingua's coarse ranking; 0, the default, ranks by similarity alone).")
    var questionNLL: Int = 0

    @Option(name: .long, help: "The GGUF model that scores and counts tokens (default: the embedded SmolLM2).")
    var model: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let request = try makeRequest(text: try readInput())
        let compressor = try PromptCompressor.loadDefault(modelURL: model.map { URL(fileURLWithPath: $0) })
        let bar = ProgressBar()
        let result = try compressor.compress(request, progress: bar.sink)
        bar.handle(.finished(status: "finished"))
        Console.current.out(try render(result))
        Console.current.err(summary(result))
    }

    func readInput() throws -> String {
        let source = file == "-" ? "<stdin>" : file
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw UsageFailure(message: "\(file): no such file")
            }
            guard !isDirectory.boolValue else { throw UsageFailure(message: "\(file): is a directory, expected a text file") }
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw UsageFailure(message: "\(file): cannot read the file")
            }
            data = contents
        }
        return try CompressionInput.text(from: data, source: source)
    }

    /// The library request these options describe; bad values are exit-2 errors.
    func makeRequest(text: String) throws -> CompressionRequest {
        let target: CompressionTarget
        switch (rate, targetTokens) {
        case (.some, .some):
            throw UsageFailure(message: "give --rate or --target-tokens, not both")
        case (.some(let r), nil):
            guard r.isFinite, r > 0, r <= 1 else {
                throw UsageFailure(message: "--rate: expected a number in (0, 1], got \(r)")
            }
            target = .rate(r)
        case (nil, .some(let t)):
            guard t > 0 else { throw UsageFailure(message: "--target-tokens: expected a positive whole number, got \(t)") }
            target = .tokens(t)
        case (nil, nil):
            target = .rate(0.5)
        }
        var structure = StructureOptions()
        structure.keepNumbers = !noKeepNumbers
        structure.keepCodeBlocks = !compressCode
        structure.keepHeadings = !compressHeadings
        guard questionNLL >= 0 else {
            throw UsageFailure(message: "--question-nll: expected a whole number >= 0, got \(questionNLL)")
        }
        var tuning = CompressionTuning()
        tuning.questionNLLCandidates = questionNLL
        return CompressionRequest(context: text, question: question, target: target, mode: mode,
                                  keep: try keep.map(KeepRule.init(parsing:)), structure: structure,
                                  reorderByRelevance: reorder, tuning: tuning)
    }

    /// What goes to stdout: the compressed text, or the JSON document.
    func render(_ result: CompressionResult) throws -> String {
        guard output.json else { return result.compressed.hasSuffix("\n") ? result.compressed : result.compressed + "\n" }
        let doc = CompressionJSON(result)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(doc), as: UTF8.self) + "\n"
    }

    /// What goes to stderr: warnings, and the achieved rate.
    func summary(_ result: CompressionResult) -> String {
        var lines = result.warnings.map { "warning: \($0)" }
        lines.append(String(format: "compressed %d -> %d tokens (rate %.3f, asked %.3f), %@ mode, %.2f s",
                            result.originalTokens, result.compressedTokens, result.rate, result.requestedRate,
                            result.mode.rawValue, result.seconds))
        return lines.joined(separator: "\n") + "\n"
    }
}
