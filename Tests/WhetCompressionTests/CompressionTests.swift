import Foundation
import Testing
import WhetCore
@testable import WhetCompression

/// The compressor on the real SmolLM2 and MiniLM weights: rates, what must survive,
/// structure, question-awareness, bad requests.
@Suite(.serialized) struct CompressionTests {
    let compressor: PromptCompressor

    init() throws { compressor = try CompressionTestSupport.compressor() }

    func compress(_ text: String, question: String? = nil, rate: Double = 0.33, mode: CompressionMode = .token,
                  keep: [KeepRule] = []) throws -> CompressionResult {
        try compressor.compress(CompressionRequest(context: text, question: question, target: .rate(rate), mode: mode,
                                                   keep: keep))
    }

    @Test(arguments: [(CompressionMode.token, 0.33), (.token, 0.5), (.sentence, 0.33), (.sentence, 0.2)])
    func achievedRateIsWithinTenPercentOfTheRequest(mode: CompressionMode, rate: Double) throws {
        var sample = SampleText(seed: 7)
        let text = sample.article(paragraphs: 8)
        let result = try compress(text, question: "What did the town council of Aldbury approve?", rate: rate, mode: mode)
        #expect(result.originalTokens >= 500)
        #expect(result.originalTokens == compressor.countTokens(text))
        #expect(result.compressedTokens == compressor.countTokens(result.compressed))
        #expect(abs(result.rate / rate - 1) <= 0.10, "rate \(result.rate) for \(rate) in \(mode) mode")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
    }

    /// The question-NLL re-ranking runs only when asked for, through the language model.
    @Test func questionNLLRerankingRunsWhenAsked() throws {
        var sample = SampleText(seed: 7)
        let text = sample.article(paragraphs: 8)
        let question = "What did the town council of Aldbury approve?"
        var tuning = CompressionTuning()
        #expect(tuning.questionNLLCandidates == 0)
        let plain = try compressor.compress(CompressionRequest(context: text, question: question, target: .rate(0.33),
                                                               mode: .token, tuning: tuning))
        tuning.questionNLLCandidates = 8
        let reranked = try compressor.compress(CompressionRequest(context: text, question: question, target: .rate(0.33),
                                                                  mode: .token, tuning: tuning))
        // Eight sentences of up to 48 tokens, each followed by the question, in one extra pass.
        #expect(reranked.stats.modelTokens - plain.stats.modelTokens > 8 * 10)
        #expect(abs(reranked.rate / 0.33 - 1) <= 0.10)
    }

    @Test func targetTokensAreCountedInTheModelsTokens() throws {
        var sample = SampleText(seed: 11)
        let text = sample.article(paragraphs: 8)
        let result = try compressor.compress(CompressionRequest(context: text, target: .tokens(200), mode: .token))
        #expect(abs(Double(result.compressedTokens) / 200 - 1) <= 0.10, "\(result.compressedTokens)")
    }

    @Test func numbersUrlsAndIdentifiersSurviveWholeOrNotAtAll() throws {
        var sample = SampleText(seed: 5)
        var paragraphs = (0..<6).map { _ in sample.paragraph(sentences: 5) }
        paragraphs.insert("The raw data is at https://data.example.org/v2/sets/town_records.csv?year=1921&page=3 and the "
                          + "loader calls parse_town_record() in records.loader with retry_count = 12.", at: 2)
        let text = paragraphs.joined(separator: "\n\n")
        let originalWords = Set(text.words.map(String.init))
        for mode in [CompressionMode.token, .sentence] {
            let result = try compress(text, rate: 0.33, mode: mode)
            for word in result.compressed.words {
                // Every piece of output is a whole piece of the input: nothing was cut.
                #expect(originalWords.contains(String(word)), "\(mode): \(word) is not a whole word of the input")
            }
            // Numbers stay with their sentence: a sentence that kept any word kept its numbers.
            let urlKept = result.compressed.contains("data.example.org")
            if urlKept { #expect(result.compressed.contains("https://data.example.org/v2/sets/town_records.csv?year=1921&page=3")) }
        }
    }

    @Test func numbersInKeptSentencesAreKeptByDefault() throws {
        var sample = SampleText(seed: 9)
        let text = sample.article(paragraphs: 7)
        let result = try compress(text, rate: 0.4, mode: .token)
        let layout = try LayoutBuilder(options: StructureOptions(), keep: []).build(text)
        // Code-point offset of each byte offset, to read keptSpans.
        var point = [Int](repeating: 0, count: layout.bytes.count + 1)
        for (i, b) in layout.bytes.enumerated() { point[i + 1] = point[i] + (b & 0xC0 == 0x80 ? 0 : 1) }
        func kept(_ u: Int) -> Bool {
            let r = layout.units[u].range
            return result.keptSpans.contains { $0[0] <= point[r.lowerBound] && point[r.upperBound] <= $0[1] }
        }
        var checked = 0
        for sentence in layout.sentences {
            let numbers = sentence.units.filter { layout.units[$0].kind == .number }
            let words = sentence.units.filter { layout.units[$0].kind != .number }
            guard !numbers.isEmpty, words.contains(where: kept) else { continue }
            checked += 1
            for n in numbers { #expect(kept(n), "lost \(layout.text(ofUnit: n)) from a kept sentence") }
        }
        #expect(checked > 0)
    }

    @Test func jsonStaysValidJSONWithKeysIntact() throws {
        var sample = SampleText(seed: 13)
        let record: [String: Any] = [
            "id": "R-20931", "price": 129.5, "active": true, "tags": ["alpha", "beta gamma"],
            "description": sample.paragraph(sentences: 4), "history": sample.paragraph(sentences: 3),
            "owner": ["name": "Mira Holt", "notes": sample.paragraph(sentences: 3)],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]),
                          as: UTF8.self)
        for text in [json, sample.paragraph() + "\n\n" + json + "\n\n" + sample.paragraph()] {
            let result = try compress(text, rate: 0.5, mode: .token)
            let start = try #require(result.compressed.firstIndex(of: "{"))
            let end = try #require(result.compressed.lastIndex(of: "}"))
            let parsed = try JSONSerialization.jsonObject(with: Data(result.compressed[start...end].utf8)) as? [String: Any]
            let object = try #require(parsed, "not JSON: \(result.compressed)")
            #expect(Set(object.keys) == Set(record.keys))
            #expect(object["id"] as? String == "R-20931" && object["price"] as? Double == 129.5)
            #expect((object["owner"] as? [String: Any])?["name"] as? String == "Mira Holt")
            #expect((object["description"] as? String ?? "").count < (record["description"] as! String).count)
        }
    }

    @Test func codeBlocksHeadingsAndLinksStayIntact() throws {
        var sample = SampleText(seed: 17)
        let code = "```python\ndef total(xs):\n    return sum(x * 2 for x in xs)\n```"
        let link = "[the 1921 survey](https://example.org/survey-1921)"
        let text = """
        # Bridge repairs in Aldbury

        \(sample.paragraph(sentences: 6)) The details are in \(link) for anyone who asks.

        ## Cost model

        \(code)

        \(sample.paragraph(sentences: 6))

        \(sample.paragraph(sentences: 6))
        """
        let result = try compress(text, question: "What does the 1921 survey say about the bridge?", rate: 0.4, mode: .token)
        #expect(result.compressed.contains("# Bridge repairs in Aldbury"))
        #expect(result.compressed.contains("## Cost model"))
        #expect(result.compressed.contains(code))
        if result.compressed.contains("survey-1921") { #expect(result.compressed.contains(link)) }
    }

    @Test func questionAwareModeKeepsTheAnswerSentence() throws {
        var sample = SampleText(seed: 23)
        var paragraphs = (0..<10).map { _ in sample.paragraph(sentences: 5) }
        let fact = "The harbour master kept the spare key to the lighthouse inside a copper teapot."
        var sentences = paragraphs[6].components(separatedBy: ". ")
        sentences.insert(String(fact.dropLast()), at: 2)
        paragraphs[6] = sentences.joined(separator: ". ")
        let text = paragraphs.joined(separator: "\n\n")
        #expect(text.contains(fact))
        for mode in [CompressionMode.token, .sentence] {
            let result = try compress(text, question: "Where did the harbour master keep the spare key to the lighthouse?",
                                      rate: 0.25, mode: mode)
            #expect(result.compressed.contains("copper teapot"), "\(mode): \(result.compressed)")
        }
    }

    @Test func keepListMatchesAlwaysSurvive() throws {
        var sample = SampleText(seed: 29)
        let text = sample.article(paragraphs: 6) + "\n\nThe internal ticket ACME-4242 tracks the repair."
        let result = try compress(text, rate: 0.2, mode: .sentence,
                                  keep: [KeepRule(literal: "ticket ACME-4242"), try KeepRule(regex: "Aldbury|Wenlock")])
        #expect(result.compressed.contains("ticket ACME-4242"))
        let towns = text.components(separatedBy: "Aldbury").count + text.components(separatedBy: "Wenlock").count
        let kept = result.compressed.components(separatedBy: "Aldbury").count + result.compressed.components(separatedBy: "Wenlock").count
        #expect(kept == towns)
    }

    @Test func keptSpansPointIntoTheOriginal() throws {
        var sample = SampleText(seed: 31)
        let text = "Intro: naïve café résumé — 東京 data.\n\n" + sample.article(paragraphs: 5)
        let result = try compress(text, rate: 0.4, mode: .token)
        let scalars = Array(text.unicodeScalars)
        var rebuilt = ""
        var previousEnd = -1
        for span in result.keptSpans {
            #expect(span.count == 2 && span[0] < span[1] && span[1] <= scalars.count && span[0] > previousEnd)
            previousEnd = span[1]
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[span[0]..<span[1]])
            #expect(result.compressed.contains(String(piece)))
            rebuilt += String(piece)
        }
        #expect(rebuilt.filter { !$0.isWhitespace } == result.compressed.filter { !$0.isWhitespace })
    }

    @Test func badRequestsAreClearErrorsOrPassthrough() throws {
        var sample = SampleText(seed: 1)
        let text = sample.article(paragraphs: 2)
        for rate in [0, -0.5, 1.5, Double.nan] {
            #expect(throws: CompressionError.self) {
                try compressor.compress(CompressionRequest(context: text, target: .rate(rate)))
            }
        }
        #expect(throws: CompressionError.invalidTargetTokens(0)) {
            try compressor.compress(CompressionRequest(context: text, target: .tokens(0)))
        }
        #expect(throws: CompressionError.emptyInput(source: "context")) {
            try compressor.compress(CompressionRequest(context: "  \n\n ", target: .rate(0.5)))
        }
        let big = try compressor.compress(CompressionRequest(context: text, target: .tokens(100_000)))
        #expect(big.compressed == text && big.rate == 1 && big.warnings.count == 1)
        let whole = try compressor.compress(CompressionRequest(context: text, target: .rate(1)))
        #expect(whole.compressed == text && whole.warnings.isEmpty)
        let tiny = try compressor.compress(CompressionRequest(context: "Hello.", target: .rate(0.5)))
        #expect(!tiny.compressed.isEmpty)
    }

    @Test func progressEventsCoverTheInputInOrder() throws {
        var sample = SampleText(seed: 37)
        let text = sample.article(paragraphs: 10)
        let events = EventLog()
        _ = try compressor.compress(CompressionRequest(context: text, question: "What was repaired?", target: .rate(0.33),
                                                       mode: .token), progress: events.record)
        let stages = events.events.compactMap { e -> (name: String, done: Int, total: Int)? in
            if case let .stage(name, done, total) = e { return (name, done, total) }
            return nil
        }
        #expect(stages.map(\.name).first == "ranking" && stages.map(\.name).last == "scoring")
        for name in ["ranking", "scoring"] {
            let xs = stages.filter { $0.name == name }
            #expect(xs.first?.done == 0)
            #expect(zip(xs, xs.dropFirst()).allSatisfy { $0.done <= $1.done })
            #expect(xs.last.map { $0.done == $0.total } ?? false, "\(name) ends at its total")
        }
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [ProgressEvent] = []
    var events: [ProgressEvent] { lock.withLock { list } }
    var record: ProgressSink { { [self] e in lock.withLock { list.append(e) } } }
}
