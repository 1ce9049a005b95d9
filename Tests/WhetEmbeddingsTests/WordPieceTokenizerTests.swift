import Foundation
import Testing
@testable import WhetEmbeddings

@Suite struct WordPieceTokenizerTests {
    static let fixture = try? TokenizerFixture.load()
    static let tokenizer = TestSupport.modelDirectory.flatMap { try? WordPieceTokenizer(directory: $0) }

    @Test func fixtureCoversTheRequiredVariety() throws {
        let cases = try #require(Self.fixture).cases
        #expect(cases.count >= 50)
        #expect(cases.contains { $0.text.isEmpty })
        #expect(cases.contains { !$0.text.isEmpty && $0.text.allSatisfy(\.isWhitespace) })
        #expect(cases.contains { $0.ids.count == 256 }, "one case must hit the truncation limit")
    }

    @Test(.enabled(if: TestSupport.hasModel), arguments: (try? TokenizerFixture.load())?.cases ?? [])
    func idsMatchHuggingFaceTokenizers(_ reference: TokenizerCase) throws {
        let tokenizer = try #require(Self.tokenizer)
        let fixture = try #require(Self.fixture)
        let ids = tokenizer.encode(reference.text, maxLength: fixture.maxLength)
        #expect(ids == reference.ids, "\(reference.text.debugDescription): \(ids.map { tokenizer.piece(for: $0) ?? "?" })")
    }

    @Test(.enabled(if: TestSupport.hasModel)) func vocabTxtAgreesWithTokenizerJSON() throws {
        let dir = try #require(TestSupport.modelDirectory)
        let fromTxt = try WordPieceTokenizer(vocabTxt: dir.appendingPathComponent("vocab.txt"))
        let fromJSON = try #require(Self.tokenizer)
        for reference in try #require(Self.fixture).cases.prefix(30) {
            #expect(fromTxt.encode(reference.text) == fromJSON.encode(reference.text))
        }
    }

    @Test(.enabled(if: TestSupport.hasModel)) func windowsCoverLongTextsWithOverlap() throws {
        let tokenizer = try #require(Self.tokenizer)
        let text = (0..<120).map { "word\($0) alpha beta" }.joined(separator: " ")
        let pieces = tokenizer.tokenize(text)
        let windows = tokenizer.encodeWindows(text, maxLength: 64, overlap: 16)
        #expect(windows.count > 1)
        for window in windows {
            #expect(window.count <= 64)
            #expect(window.first == tokenizer.classID && window.last == tokenizer.separatorID)
        }
        // Dropping each window's overlap with its predecessor rebuilds the text exactly.
        var rebuilt = Array(windows[0].dropFirst().dropLast())
        for window in windows.dropFirst() {
            let body = window.dropFirst().dropLast()
            rebuilt += body.dropFirst(16)
        }
        #expect(rebuilt == pieces)
    }

    @Test func missingFilesAreReportedWithTheirPath() {
        let dir = URL(fileURLWithPath: "/nonexistent-whet-model")
        #expect(throws: EmbeddingError.fileMissing(path: "/nonexistent-whet-model/vocab.txt")) {
            try WordPieceTokenizer(directory: dir)
        }
    }
}
