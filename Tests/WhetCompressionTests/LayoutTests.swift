import Foundation
import Testing
import WhetCore
@testable import WhetCompression

/// The text layer without a model: units never cut words, numbers, URLs or
/// identifiers; structures are found; sentences end where they should; input checks.
struct LayoutTests {
    func layout(_ text: String, keep: [KeepRule] = [], options: StructureOptions = StructureOptions()) throws -> TextLayout {
        try LayoutBuilder(options: options, keep: keep).build(text)
    }

    func unitTexts(_ l: TextLayout) -> [String] { l.units.indices.map { l.text(ofUnit: $0) } }

    @Test func unitsAreWhitespaceDelimitedAndClassified() throws {
        let l = try layout("See https://example.org/a_b?x=1, call parse_config() or os.path.join with 3,141.59 units.")
        let texts = unitTexts(l)
        #expect(texts == ["See", "https://example.org/a_b?x=1,", "call", "parse_config()", "or", "os.path.join", "with",
                          "3,141.59", "units."])
        let kinds = l.units.map(\.kind)
        #expect(kinds[1] == .url && kinds[3] == .identifier && kinds[5] == .identifier && kinds[7] == .number)
        #expect(l.units[1].protection == .withSentence && l.units[7].protection == .withSentence)
        #expect(l.units[0].protection == .none)
    }

    @Test(arguments: [("It moved to March 3, 2027 at noon.", ["March", "3,", "2027"]),
                      ("Due 14 Sept. 2026 or so.", ["14", "Sept.", "2026"]),
                      ("Sales in may rose 5 percent.", ["5"])])
    func monthsBesideNumbersShareTheirProtection(text: String, protected: [String]) throws {
        let l = try layout(text)
        let kept = l.units.indices.filter { l.units[$0].protection == .withSentence }.map { l.text(ofUnit: $0) }
        #expect(kept == protected)
        var off = StructureOptions()
        off.keepNumbers = false
        let loose = try layout(text, options: off)
        #expect(loose.units.allSatisfy { $0.protection == .none })
    }

    @Test func markdownLinksInlineCodeAndTagsAreAtomic() throws {
        let l = try layout("Read [the full guide](https://x.org/g \"Guide\") and run `make all now` inside <div class=\"a b\">.")
        let texts = unitTexts(l)
        #expect(texts.contains("[the full guide](https://x.org/g \"Guide\")"))
        #expect(texts.contains("`make all now`"))
        #expect(texts.contains("<div class=\"a b\">."))
    }

    @Test func headingsAndFencedCodeAreSingleProtectedUnits() throws {
        let text = "# Setup guide\n\nInstall it first. Then run it.\n\n```swift\nlet x = 1\n\nprint(x)\n```\n\n## Next\nMore text here."
        let l = try layout(text)
        #expect(l.blocks.map(\.kind) == [.heading, .prose, .code, .heading, .prose])
        let code = l.units.first { $0.kind == .codeBlock }
        #expect(code.map { l.text($0.range) } == "```swift\nlet x = 1\n\nprint(x)\n```")
        #expect(code?.protection == .always)
        #expect(l.units.filter { $0.kind == .heading }.map { l.text($0.range) } == ["# Setup guide", "## Next"])
    }

    @Test func jsonKeysAndPunctuationAreProtectedAndLongValuesCompressible() throws {
        let text = "Intro line.\n{\"name\": \"Widget\", \"description\": \"a small widget that does many useful things\", \"n\": 3}\nOutro."
        let l = try layout(text)
        #expect(l.blocks.map(\.kind) == [.prose, .json, .prose])
        let jsonUnits = l.unitRange(ofBlock: 1).map { l.units[$0] }
        let free = jsonUnits.filter { $0.protection == .none }.map { l.text($0.range) }
        #expect(free == ["a", "small", "widget", "that", "does", "many", "useful", "things"])
        let structure = jsonUnits.filter { $0.protection == .always }.map { l.text($0.range) }
        #expect(structure.contains("\"name\"") && structure.contains("\"Widget\"") && structure.contains("3"))
    }

    @Test func assemblyOfAnyKeepMaskOfJSONStaysValidJSON() throws {
        let text = "{\"a\": \"one two three four five six\", \"b\": [\"x y z w v\", 2, null], \"c\": {\"d\": \"p q r s t u\"}}"
        let l = try layout(text)
        let assembler = TextAssembler(layout: l, keepParagraphBreaks: true)
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<50 {
            let keep = l.units.map { $0.protection == .always || rng.next() % 2 == 0 }
            let out = assembler.assemble(keep: keep).text
            #expect((try? JSONSerialization.jsonObject(with: Data(out.utf8))) != nil, "\(out)")
        }
    }

    @Test func sentencesEndAtTerminalsNotAbbreviationsOrInitials() throws {
        let l = try layout("Dr. Smith met J. R. Tolkien in 1950. It rained! Was it cold? yes, e.g. very cold. The end")
        let sentences = l.sentences.indices.map { l.text(ofSentence: $0) }
        #expect(sentences == ["Dr. Smith met J. R. Tolkien in 1950.", "It rained!", "Was it cold? yes, e.g. very cold.",
                              "The end"])
    }

    @Test func cjkRunsSplitIntoCharactersNeverBytes() throws {
        let l = try layout("東京は日本の首都です。Python3 も使う。")
        let texts = unitTexts(l)
        #expect(texts.prefix(4) == ["東", "京", "は", "日"])
        #expect(texts.contains("Python3"))
        for t in texts { #expect(!t.unicodeScalars.contains("\u{FFFD}")) }
    }

    @Test func keepRulesMakeAtomicAlwaysKeptUnits() throws {
        let l = try layout("The code is ACME 42 and the id ID-777 stays.", keep: [KeepRule(literal: "ACME 42"),
                                                                                 try KeepRule(regex: "ID-[0-9]+")])
        let kept = l.units.filter { $0.protection == .always }.map { l.text($0.range) }
        #expect(kept == ["ACME 42", "ID-777"])
        #expect(l.sentences.allSatisfy { $0.forced })
    }

    @Test func keepRuleParsing() throws {
        #expect(try KeepRule(parsing: "/a+b/").pattern == .regex("a+b"))
        #expect(try KeepRule(parsing: "a/b").pattern == .literal("a/b"))
        #expect(throws: CompressionError.self) { try KeepRule(parsing: "/(/") }
        #expect(throws: CompressionError.self) { try KeepRule(parsing: "") }
    }

    @Test func assemblerKeepsParagraphBreaksAcrossDroppedText() throws {
        let l = try layout("Alpha beta gamma.\n\nDelta epsilon zeta.\nEta theta.")
        let assembler = TextAssembler(layout: l, keepParagraphBreaks: true)
        var keep = [Bool](repeating: true, count: l.units.count)
        keep[2] = false  // "gamma."
        keep[3] = false  // "Delta"
        let out = assembler.assemble(keep: keep)
        #expect(out.text == "Alpha beta\n\nepsilon zeta.\nEta theta.")
        #expect(assembler.codePointSpans(out.byteSpans) == [[0, 10], [25, 49]])
    }

    @Test func inputValidation() throws {
        #expect(throws: CompressionError.emptyInput(source: "f")) { try CompressionInput.text(from: Data(), source: "f") }
        #expect(throws: CompressionError.emptyInput(source: "f")) { try CompressionInput.text(from: Data(" \n\t".utf8), source: "f") }
        #expect(throws: CompressionError.binaryInput(source: "f", byteOffset: 2)) {
            try CompressionInput.text(from: Data([0x41, 0x42, 0x00, 0x43]), source: "f")
        }
        #expect(throws: CompressionError.invalidUTF8(source: "f", byteOffset: 4, line: 2)) {
            try CompressionInput.text(from: Data([0x41, 0x0A, 0x42, 0x43, 0xC3, 0x28]), source: "f")
        }
        #expect(throws: CompressionError.invalidUTF8(source: "f", byteOffset: 0, line: 1)) {
            try CompressionInput.text(from: Data([0xED, 0xA0, 0x80]), source: "f")  // a UTF-16 surrogate
        }
        #expect(try CompressionInput.text(from: Data("\u{FEFF}héllo".utf8), source: "f") == "héllo")
    }

    @Test func dynamicRatioMeetsTheBudgetAndFavoursRelevance() {
        let rates = DynamicRatio.rates(free: [100, 100, 100, 100], rank: [2, 0, 3, 1], spread: 0.3, budget: 160)
        let kept = zip(rates, [100.0, 100, 100, 100]).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(kept - 160) < 0.5)
        #expect(rates[1] > rates[3] && rates[3] > rates[0] && rates[0] > rates[2])
    }
}
