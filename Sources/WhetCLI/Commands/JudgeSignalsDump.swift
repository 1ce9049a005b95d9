import Foundation
import WhetCore
import WhetEmbeddings
import WhetJudging
import WhetProviders

/// `whet judge PAIRS --signals OUT.jsonl`: every pair's raw signals (the inputs of a signals judge),
/// one JSON line per pair, appended; pairs already in OUT are skipped, so a killed run resumes.
enum JudgeSignalsDump {
    struct Line: Codable {
        var line: Int
        var label: Int?
        var signals: PairSignals
    }

    static func run(pairs: [LabelledPair], output: String, model: ModelSpec?, clipTokens: Int,
                    progress: @escaping ProgressSink) async throws {
        var done = Set<Int>()
        if let text = try? String(contentsOfFile: output, encoding: .utf8) {
            for raw in text.split(separator: "\n") {
                if let line = try? JSONDecoder().decode(Line.self, from: Data(raw.utf8)) { done.insert(line.line) }
            }
        } else {
            FileManager.default.createFile(atPath: output, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: output) else {
            throw UsageFailure(message: "\(output): cannot write the signals file")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        let (provider, _) = try ProviderFactory.makeBase(spec: model)
        guard let scorer = EngineScorer.of(provider) else {
            throw JudgingError.signalsNeedLocalModel(judge: "--signals", model: provider.modelName)
        }
        SentenceEmbedder.setBLASThreads(1)
        let embedder = try SentenceEmbedder(directory: try ModelLocator.defaultEmbeddingDirectory())
        let extractor = SignalExtractor(scorer: scorer, embedder: embedder, clipTokens: clipTokens)
        let todo = pairs.filter { !done.contains($0.line) }
        let counter = StageCounter(name: "signals", total: todo.count, sink: progress)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for pair in todo {
            let signals = try await extractor.signals(instruction: pair.input, first: pair.output1, second: pair.output2,
                                                      reference: pair.reference)
            var data = try encoder.encode(Line(line: pair.line, label: pair.label, signals: signals))
            data.append(0x0A)
            try handle.write(contentsOf: data)
            counter.advance()
        }
    }
}
