import ArgumentParser
import Foundation
import WhetCore
import WhetEmbeddings

/// `whet embed`: all-MiniLM-L6-v2 sentence embeddings of lines or texts, optionally grouped
/// into clusters (k-means with a silhouette-chosen or fixed k, or near-duplicate groups).
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentence embeddings (all-MiniLM-L6-v2) of texts or lines, and clustering of lines.",
        discussion: """
            Each non-empty line of --file is one text; --text may be repeated. Vectors are unit length \
            (cosine = dot product). --cluster groups the texts: by default k-means with k chosen by \
            silhouette, --k fixes k, --threshold groups near-duplicates within that cosine distance.
            """)

    @Option(name: .long, help: "Read texts from this file, one per non-empty line.")
    var file: String?

    @Option(name: .long, help: "A text to embed (repeatable).")
    var text: [String] = []

    @Option(name: .long, help: "The model directory (default: models/all-MiniLM-L6-v2).")
    var model: String?

    @Flag(name: .long, help: "Group the texts instead of printing vectors.")
    var cluster = false

    @Option(name: .long, help: "With --cluster: exactly this many k-means clusters.")
    var k: Int?

    @Option(name: .long, help: "With --cluster: group texts within this cosine distance (near-duplicates).")
    var threshold: Float?

    @Option(name: .long, help: "With --cluster: the largest k tried when choosing k.")
    var maxK = 10

    @Option(name: .long, help: "Seed for k-means++.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Embed texts longer than the model's 256 tokens as overlapping windows sharing this many tokens, averaged (default: truncate).")
    var windowOverlap: Int?

    @Option(name: .long, help: "Sequences per forward pass.")
    var batchSize = 32

    @Flag(name: .long, help: "Benchmark: embed the inputs --repeat times and report sentences per second.")
    var bench = false

    @Option(name: .long, help: "With --bench: timed repetitions (the best is reported).")
    var `repeat` = 3

    @Option(name: .long, help: "Worker threads, each running single-threaded OpenBLAS (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    func validate() throws {
        if k != nil && threshold != nil { throw ValidationError("give at most one of --k and --threshold") }
        if (k != nil || threshold != nil) && !cluster { throw ValidationError("--k and --threshold need --cluster") }
        if let k, k < 1 { throw ValidationError("--k must be at least 1") }
        if let threshold, !(0...2).contains(threshold) { throw ValidationError("--threshold must be a cosine distance in [0, 2]") }
        if maxK < 2 { throw ValidationError("--max-k must be at least 2") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let windowOverlap, windowOverlap < 0 { throw ValidationError("--window-overlap must be zero or more") }
    }

    func run() async throws {
        let texts = try inputTexts()
        let directory = try ModelLocator.embeddingDirectory(model)
        // Parallel batches on single-threaded GEMMs: measured faster than one multi-threaded GEMM
        // on the 2-vCPU (one SMT core) machines, see docs/embeddings.md.
        SentenceEmbedder.setBLASThreads(1)
        let embedder = try SentenceEmbedder(directory: directory, workers: workerCount)
        let mode: SentenceEmbedder.LongTextMode = windowOverlap.map { .windows(overlap: $0) } ?? .truncate
        if bench { return try runBench(embedder, texts, mode) }
        let vectors = try embedder.embed(texts, batchSize: batchSize, longText: mode)
        if cluster {
            try printClusters(texts, vectors)
        } else if json {
            let items = zip(texts, vectors).map { VectorItem(text: $0, vector: $1) }
            try JSONOutput.print(VectorsOutput(model: directory.lastPathComponent, dimension: embedder.dimension, items: items), compact: true)
        } else {
            for vector in vectors { print(vector.map { String(format: "%.6f", $0) }.joined(separator: " ")) }
        }
    }

    private var workerCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    private func inputTexts() throws -> [String] {
        var texts = text
        if let file {
            let content = try TextFileReader.read(URL(fileURLWithPath: file), limit: TextFileReader.dataLimit, field: "--file")
            texts += content.split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        guard !texts.isEmpty else {
            throw EmbeddingError.emptyInput(
                what: file.map { "\($0) has no non-empty lines" } ?? "give --file FILE or --text TEXT")
        }
        return texts
    }

    // MARK: clustering

    private func printClusters(_ texts: [String], _ vectors: [[Float]]) throws {
        let groups: [[Int]]
        var method: String
        var silhouettes: [KScore]? = nil
        if let threshold {
            groups = NearDuplicates.groups(vectors, threshold: threshold)
            method = "threshold \(threshold)"
        } else if let k {
            guard k <= texts.count else {
                throw EmbeddingError.invalidArgument(name: "--k", expected: "at most the \(texts.count) texts", got: "\(k)")
            }
            groups = try KMeans(k: k, seed: seed).fit(vectors).clusters
            method = "k-means, k=\(k)"
        } else {
            let choice = try ClusterCount.choose(vectors, range: 2...maxK, seed: seed)
            groups = choice.result.clusters
            silhouettes = choice.silhouettes.map { KScore(k: $0.k, silhouette: $0.score) }
            method = "k-means, k=\(choice.k) chosen by silhouette"
        }
        // Largest groups first; within a group, the member nearest the group's centroid leads.
        let clusters = groups.filter { !$0.isEmpty }
            .map { clusterOutput($0, texts, vectors) }
            .sorted(by: Self.largerFirst)
        if json {
            try JSONOutput.print(ClustersOutput(method: method, count: clusters.count, silhouettes: silhouettes, clusters: clusters), compact: true)
            return
        }
        print("\(clusters.count) cluster(s) of \(texts.count) texts (\(method))")
        for (n, c) in clusters.enumerated() {
            print("\n[\(n + 1)] \(c.size) text(s)")
            for m in c.members { print("  \(m.index + 1): \(m.text)") }
        }
    }

    private func clusterOutput(_ members: [Int], _ texts: [String], _ vectors: [[Float]]) -> ClusterOutput {
        let centroid = Similarity.centroid(members.map { vectors[$0] })
        let closeness = members.map { Similarity.dot(vectors[$0], centroid) }
        let lead = members[closeness.indices.max { closeness[$0] < closeness[$1] }!]
        let ordered = [lead] + members.filter { $0 != lead }
        let memberOutputs = ordered.map { MemberOutput(index: $0, text: texts[$0]) }
        return ClusterOutput(size: members.count, representative: texts[lead], members: memberOutputs)
    }

    private static func largerFirst(_ a: ClusterOutput, _ b: ClusterOutput) -> Bool {
        if a.size != b.size { return a.size > b.size }
        return a.members[0].index < b.members[0].index
    }

    // MARK: benchmark

    private func runBench(_ embedder: SentenceEmbedder, _ texts: [String], _ mode: SentenceEmbedder.LongTextMode) throws {
        _ = try embedder.embed(Array(texts.prefix(batchSize)), batchSize: batchSize, longText: mode)  // warm-up
        var best = Double.infinity
        for _ in 0..<`repeat` {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try embedder.embed(texts, batchSize: batchSize, longText: mode)  // tokenisation included
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let tokens = texts.reduce(0) { $0 + embedder.tokenizer.encode($1, maxLength: embedder.config.maxSequenceLength).count }
        let result = BenchOutput(impl: "whet (Swift, OpenBLAS)", sentences: texts.count, tokens: tokens, seconds: best,
                                 sentences_per_second: Double(texts.count) / best,
                                 threads: "\(workerCount) workers x 1 OpenBLAS thread")
        if json {
            try JSONOutput.print(result, compact: true)
        } else {
            print(String(format: "%d sentences (%.1f tokens each) in %.3f s: %.1f sentences/s",
                         texts.count, Double(tokens) / Double(texts.count), best, result.sentences_per_second))
        }
    }
}

private struct VectorItem: Encodable { let text: String; let vector: [Float] }
private struct VectorsOutput: Encodable { let model: String; let dimension: Int; let items: [VectorItem] }
private struct KScore: Encodable { let k: Int; let silhouette: Float }
private struct MemberOutput: Encodable { let index: Int; let text: String }
private struct ClusterOutput: Encodable { let size: Int; let representative: String; let members: [MemberOutput] }
private struct ClustersOutput: Encodable {
    let method: String
    let count: Int
    let silhouettes: [KScore]?
    let clusters: [ClusterOutput]
}
private struct BenchOutput: Encodable {
    let impl: String
    let sentences: Int
    let tokens: Int
    let seconds: Double
    let sentences_per_second: Double
    let threads: String
}
