import Foundation
import WhetCore
@testable import WhetCompression

/// One compressor (SmolLM2 + MiniLM from `models/`) for the whole test run.
enum CompressionTestSupport {
    static let loaded: Result<PromptCompressor, any Error> = Result { try PromptCompressor.loadDefault() }
    static func compressor() throws -> PromptCompressor { try loaded.get() }
}

/// Deterministic prose for tests: paragraphs about invented towns with years, prices,
/// names and the occasional URL or identifier, from a seeded generator.
struct SampleText {
    private var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    static let towns = ["Aldbury", "Wenlock", "Marsden", "Oakhurst", "Tarrow", "Belmont", "Corrin", "Dunmore"]
    static let people = ["Mira Holt", "Tobias Crane", "Elena Varga", "Joachim Reus", "Priya Nair", "Anselm Ford"]
    static let subjects = ["The town council", "A local historian", "The railway company", "The harbour authority",
                           "The school board", "A group of farmers", "The regional museum", "The weather office"]
    static let verbs = ["approved a plan to rebuild", "published a long report on", "raised money to repair",
                        "argued for months about", "opened a small exhibition about", "measured the damage to"]
    static let objects = ["the old stone bridge", "the northern canal", "the market hall", "the chapel roof",
                          "the lighthouse", "the grain store", "the tram line", "the public library"]
    static let fillers = [
        "Most residents agreed that the work was overdue, although few wanted to pay for it.",
        "The discussion went on late into the evening and was reported in every local paper.",
        "Visitors from nearby villages came to see the result, and many stayed for the fair.",
        "Nobody expected the project to take as long as it eventually did.",
        "The records from that period are incomplete, but several letters have survived.",
        "Critics said the money would have been better spent on the roads.",
    ]

    mutating func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
    mutating func number(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }

    mutating func sentence() -> String {
        switch rng.next() % 5 {
        case 0:
            return "In \(number(1850...1990)), \(pick(Self.subjects).lowercased()) of \(pick(Self.towns)) \(pick(Self.verbs)) \(pick(Self.objects))."
        case 1:
            return "\(pick(Self.people)) estimated the cost at \(number(2...90)),\(number(100...999)) pounds, about \(number(10...60)) percent more than planned."
        case 2:
            return "\(pick(Self.subjects)) \(pick(Self.verbs)) \(pick(Self.objects)) near \(pick(Self.towns))."
        default:
            return pick(Self.fillers)
        }
    }

    mutating func paragraph(sentences: Int = 5) -> String {
        (0..<sentences).map { _ in sentence() }.joined(separator: " ")
    }

    mutating func article(paragraphs: Int) -> String {
        (0..<paragraphs).map { _ in paragraph(sentences: 4 + number(0...3)) }.joined(separator: "\n\n")
    }
}

extension String {
    /// Whitespace-separated pieces.
    var words: [Substring] { split(whereSeparator: { $0.isWhitespace }) }
}
