import ArgumentParser
import Foundation
import WhetCore
import WhetInference

/// `whet lm tokenize`: the model's token ids for a text, as llama.cpp's
/// `tokenize(add_bos=False, special=True)` would give them.
struct LMTokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids (and pieces) of a text: no BOS, special tokens recognised.")

    @Option(name: .long, help: "The text to tokenize.")
    var text: String?

    @Option(name: .long, help: "Read the text from this file instead of --text.")
    var file: String?

    @Option(name: .long, help: "A GGUF model (default: the embedded SmolLM2-135M-Instruct).")
    var model: String?

    @Flag(name: .long, help: "Treat special-token strings such as <|im_start|> as plain text.")
    var noSpecial = false

    @Flag(name: .long, help: "Prepend the model's BOS token.")
    var addBos = false

    @Option(name: .long, help: ArgumentHelp("Encode this many times and report the time per call on stderr.",
                                            visibility: .hidden))
    var repeatCount: Int?

    @OptionGroup var output: OutputOptions

    struct Result: Encodable {
        let model: String
        let count: Int
        let ids: [Int32]
        let pieces: [String]
    }

    func validate() throws {
        if (text == nil) == (file == nil) { throw ValidationError("give exactly one of --text or --file") }
        if let repeatCount, repeatCount < 1 { throw ValidationError("--repeat-count must be at least 1") }
    }

    func run() async throws {
        let input: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw UsageFailure(message: "\(file): cannot read the text file")
            }
            input = String(decoding: data, as: UTF8.self)
        } else {
            input = text ?? ""
        }
        let url = try model.map { URL(fileURLWithPath: $0) } ?? ModelLocator.defaultGGUF()
        let tokenizer = try BPETokenizer(gguf: GGUFFile(url: url))
        let ids = tokenizer.encode(input, addBOS: addBos, parseSpecial: !noSpecial)
        if let repeatCount { reportTiming(tokenizer, input, repeatCount, ids.count) }

        let pieces = ids.map { String(decoding: tokenizer.pieceBytes($0), as: UTF8.self) }
        if output.json {
            try JSONOutput.print(Result(model: url.path, count: ids.count, ids: ids, pieces: pieces))
        } else {
            for id in ids {
                print("\(id)\t\(Self.visible(tokenizer.pieceBytes(id)))")
            }
        }
    }

    private func reportTiming(_ tokenizer: BPETokenizer, _ input: String, _ n: Int, _ count: Int) {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<n { _ = tokenizer.encode(input, addBOS: addBos, parseSpecial: !noSpecial) }
        }
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        let line = String(format: "encode: %.3f ms per call (%d calls, %d bytes, %d tokens)\n",
                          ms / Double(n), n, input.utf8.count, count)
        Console.current.err(line)
    }

    /// Quotes a piece so spaces, newlines and tabs are visible on a terminal; a piece
    /// that is only part of a UTF-8 character shows its bytes as `\xNN`.
    static func visible(_ bytes: [UInt8]) -> String {
        guard let piece = String(validating: bytes, as: UTF8.self) else {
            return "'" + bytes.map { String(format: "\\x%02x", $0) }.joined() + "'"
        }
        var out = "'"
        for scalar in piece.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "'": out += "\\'"
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }
}
