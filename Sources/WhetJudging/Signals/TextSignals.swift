import Foundation

/// What plain text says about one response to one instruction: its length, repetition and
/// degeneration, whether it copies the instruction, and whether it follows the constraints the
/// instruction states (see `ConstraintCheck`).
public struct TextSignals: Sendable, Equatable {
    public var words: Int
    /// 1 - distinct word trigrams / trigrams: loops and stuck decoding score high.
    public var repetition: Double
    /// Share of non-empty lines that repeat an earlier line.
    public var duplicateLines: Double
    /// Share of the response's word trigrams found in the instruction (parroting the prompt).
    public var echo: Double
    /// Mean violation in [0, 1] of the instruction's stated constraints; nil when it states none.
    public var violation: Double?

    public init(instruction: String, response: String) {
        let w = Self.words(response).map { $0.lowercased() }
        words = w.count
        repetition = Self.repetition(w)
        duplicateLines = Self.duplicateLines(response)
        echo = Self.echo(w, instruction: Self.words(instruction).map { $0.lowercased() })
        violation = ConstraintCheck.violation(instruction: instruction, response: response)
    }

    static let wordPattern = try! NSRegularExpression(pattern: #"[\w'’-]+"#)

    public static func words(_ text: String) -> [String] {
        let ns = text as NSString
        return wordPattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    static func trigrams(_ w: [String]) -> [String] {
        w.count < 3 ? [] : (0..<(w.count - 2)).map { "\(w[$0])\u{1}\(w[$0 + 1])\u{1}\(w[$0 + 2])" }
    }

    static func repetition(_ w: [String]) -> Double {
        guard w.count >= 4 else { return 0 }
        let grams = trigrams(w)
        return 1 - Double(Set(grams).count) / Double(grams.count)
    }

    static func duplicateLines(_ text: String) -> Double {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard lines.count >= 2 else { return 0 }
        var seen = Set<String>()
        var duplicates = 0
        for line in lines {
            if seen.contains(line) { duplicates += 1 }
            seen.insert(line)
        }
        return Double(duplicates) / Double(lines.count)
    }

    static func echo(_ w: [String], instruction: [String]) -> Double {
        guard w.count >= 3, instruction.count >= 3 else { return 0 }
        let source = Set(trigrams(instruction))
        let grams = trigrams(w)
        return Double(grams.filter { source.contains($0) }.count) / Double(grams.count)
    }
}
