import Foundation

/// How much of the context to keep, counted in the target model's tokens.
public enum CompressionTarget: Sendable, Equatable {
    /// Keep this share of the context's tokens, in (0, 1].
    case rate(Double)
    /// Keep about this many of the context's tokens.
    case tokens(Int)
}

/// Which compressor runs.
public enum CompressionMode: String, Sendable, Codable, CaseIterable {
    /// Word-level drops by the small LM's surprisal (LLMLingua), question-aware when
    /// a question is given (LongLLMLingua), after a cheap sentence-level coarse stage.
    case token
    /// Whole sentences chosen to the budget by MiniLM similarity to the question
    /// (RECOMP extractive), or by centrality without one.
    case sentence
    /// Token mode up to `CompressionTuning.autoSentenceThreshold` context tokens,
    /// sentence mode beyond.
    case auto
}

/// What stays untouched. Numbers and links are never split; these options say which
/// structures are also never compressed.
public struct StructureOptions: Sendable, Equatable {
    /// Units containing a digit are kept whenever their sentence is.
    public var keepNumbers = true
    /// URLs and Markdown links are kept whenever their sentence is.
    public var keepLinks = true
    /// Fenced code blocks are kept whole; otherwise their lines are compressed as prose.
    public var keepCodeBlocks = true
    /// Markdown heading lines are kept whole.
    public var keepHeadings = true
    /// JSON keeps its keys, punctuation, numbers and literals and compresses only the
    /// words of longer string values; otherwise JSON text is compressed as prose.
    public var protectJSON = true
    /// Blank-line paragraph breaks between kept text stay.
    public var keepParagraphBreaks = true

    public init() {}
}

/// Knobs of the pipeline with measured defaults (scripts/bench-compress).
public struct CompressionTuning: Sendable, Equatable {
    /// Token mode first keeps whole sentences up to this multiple of the target (each 0.1
    /// costs ~5% of token mode's model rows).
    public var coarseFactor = 1.15
    /// Context tokens scored per language-model call.
    public var windowTokens = 192
    /// Kept tokens that condition the next window's scores.
    public var conditionTokens = 24
    /// Spread of per-document keep rates by relevance (LongLLMLingua's δτ).
    public var dynamicRatio = 0.3
    /// Share of the budget reserved for the most relevant sentences, kept whole.
    public var verbatimShare = 0.25
    /// Candidate sentences re-ranked by the question's conditional NLL (0 turns it off). Off by
    /// default: on 100 NQ questions it changed neither answer survival (100%) nor QA accuracy beyond
    /// noise, and took a quarter of token mode's time.
    public var questionNLLCandidates = 0
    /// Documents with the highest relevance also get contrastive (with vs without the
    /// question) token scores; this is their share of the coarse-kept tokens.
    public var contrastiveShare = 0.2
    /// `auto` switches to sentence mode above this many context tokens.
    public var autoSentenceThreshold = 32_000

    public init() {}
}

/// One compression job. The instruction and the question are never compressed and
/// do not count towards the rate: the rate is the kept share of `context`.
public struct CompressionRequest: Sendable {
    public var context: String
    public var question: String?
    public var target: CompressionTarget
    public var mode: CompressionMode
    public var keep: [KeepRule]
    public var structure: StructureOptions
    /// Put documents (paragraphs) in order of relevance, most relevant first.
    public var reorderByRelevance: Bool
    public var tuning: CompressionTuning

    public init(context: String, question: String? = nil, target: CompressionTarget = .rate(0.5),
                mode: CompressionMode = .auto, keep: [KeepRule] = [], structure: StructureOptions = StructureOptions(),
                reorderByRelevance: Bool = false, tuning: CompressionTuning = CompressionTuning()) {
        self.context = context
        self.question = question
        self.target = target
        self.mode = mode
        self.keep = keep
        self.structure = structure
        self.reorderByRelevance = reorderByRelevance
        self.tuning = tuning
    }

    /// The question, trimmed; nil when absent or blank.
    var effectiveQuestion: String? {
        guard let q = question?.trimmingCharacters(in: .whitespacesAndNewlines), !q.isEmpty else { return nil }
        return q
    }
}

/// A string or regular expression whose matches are always kept.
public struct KeepRule: Sendable, Equatable, CustomStringConvertible {
    public enum Pattern: Sendable, Equatable {
        case literal(String)
        case regex(String)
    }

    public let pattern: Pattern

    public init(literal: String) { pattern = .literal(literal) }
    public init(regex: String) throws {
        do {
            _ = try NSRegularExpression(pattern: regex)
        } catch {
            throw CompressionError.invalidKeepPattern(pattern: regex, reason: "not a valid regular expression")
        }
        pattern = .regex(regex)
    }

    /// `/PATTERN/` is a regular expression; anything else a literal string.
    public init(parsing text: String) throws {
        guard !text.isEmpty else {
            throw CompressionError.invalidKeepPattern(pattern: text, reason: "empty; give a string or /regex/")
        }
        if text.count >= 3, text.hasPrefix("/"), text.hasSuffix("/") {
            try self.init(regex: String(text.dropFirst().dropLast()))
        } else {
            self.init(literal: text)
        }
    }

    public var description: String {
        switch pattern {
        case .literal(let s): return s
        case .regex(let r): return "/\(r)/"
        }
    }
}
