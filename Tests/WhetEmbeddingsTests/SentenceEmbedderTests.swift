import Foundation
import Testing
@testable import WhetEmbeddings

@Suite(.enabled(if: TestSupport.hasModel)) struct SentenceEmbedderTests {
    @Test func embeddingsMatchTheNumpyReference() throws {
        let embedder = try #require(TestSupport.embedder)
        let reference = try ReferenceFixture.load().cases
        #expect(reference.count >= 50)
        // Mixed lengths in one batch, so packing/masking is exercised as the reference padded it.
        let ours = try embedder.embed(reference.map(\.text), batchSize: 16)
        var worst: (Float, String) = (1, "")
        for (case_, vector) in zip(reference, ours) {
            #expect(vector.count == 384)
            let cosine = Similarity.cosine(case_.vector, vector)
            if cosine < worst.0 { worst = (cosine, case_.text) }
            #expect(cosine >= 0.999, "\(case_.text.debugDescription): cosine \(cosine)")
        }
        print("worst cosine to the numpy reference: \(worst.0) for \(worst.1.prefix(40).debugDescription)")
    }

    @Test func vectorsAreUnitLength() throws {
        let embedder = try #require(TestSupport.embedder)
        for vector in try embedder.embed(["short", "", "a somewhat longer sentence about cats"]) {
            #expect(abs(Similarity.norm(vector) - 1) < 1e-4)
        }
    }

    @Test func aTextEmbedsTheSameAloneOrInAMixedBatch() throws {
        let embedder = try #require(TestSupport.embedder)
        let texts = ["Paris is the capital of France.", "ok", String(repeating: "long filler words ", count: 30)]
        let together = try embedder.embed(texts, batchSize: 8)
        for (text, vector) in zip(texts, together) {
            let alone = try embedder.embed(text)
            #expect(Similarity.cosine(alone, vector) > 0.99999)
        }
    }

    @Test func similarMeaningsAreCloserThanUnrelatedOnes() throws {
        let embedder = try #require(TestSupport.embedder)
        let v = try embedder.embed([
            "A man is playing a guitar.", "Someone plays an acoustic guitar.", "The stock market fell sharply today.",
        ])
        #expect(Similarity.cosine(v[0], v[1]) > Similarity.cosine(v[0], v[2]) + 0.3)
    }

    @Test func windowsAverageLongTextsAndLeaveShortOnesAlone() throws {
        let embedder = try #require(TestSupport.embedder)
        let short = "A short sentence."
        #expect(try embedder.embed(short, longText: .windows(overlap: 32)) == embedder.embed(short))
        let long = (0..<80).map { "Fact \($0): the river floods every spring and farmers plant rice." }
            .joined(separator: " ") + " The very end mentions quantum computing and superconducting qubits."
        #expect(embedder.tokenizer.tokenize(long).count > 600)
        let truncated = try embedder.embed(long)
        let windowed = try embedder.embed(long, longText: .windows(overlap: 32))
        let tail = try embedder.embed("quantum computing and superconducting qubits")
        // Only the windowed embedding has seen the last sentence.
        #expect(Similarity.cosine(windowed, tail) > Similarity.cosine(truncated, tail))
        #expect(abs(Similarity.norm(windowed) - 1) < 1e-4)
    }

    @Test func aMissingDirectoryIsAClearError() {
        #expect(throws: EmbeddingError.fileMissing(path: "/no/such/model-dir")) {
            try SentenceEmbedder(directory: URL(fileURLWithPath: "/no/such/model-dir"))
        }
    }
}

@Suite(.enabled(if: TestSupport.hasModel)) struct ParallelWorkerTests {
    @Test func twoWorkersGiveTheSameVectorsAsOne() throws {
        let dir = try #require(TestSupport.modelDirectory)
        let parallel = try SentenceEmbedder(directory: dir, workers: 2)
        let single = try #require(TestSupport.embedder)
        let texts = (0..<40).map { "Sentence number \($0) " + String(repeating: "with more words ", count: $0 % 7) }
        let a = try parallel.embed(texts, batchSize: 4)
        let b = try single.embed(texts, batchSize: 4)
        for (x, y) in zip(a, b) { #expect(Similarity.cosine(x, y) > 0.99999) }
    }
}
