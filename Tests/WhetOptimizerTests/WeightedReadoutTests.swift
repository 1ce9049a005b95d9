import Foundation
import Testing
import WhetCore
@testable import WhetOptimizer
import WhetProviders
import WhetStore

/// The weighted verbalizer on constructed rows: the label words carry no signal, one other
/// answer word carries it (with noise), and many words are noise.
struct WeightedReadoutTests {
    static let labels = ["positive", "negative", "neutral"]

    /// Row i's label is i % classes; "Enjoy" is high for label 0, "Lack" for label 1, both low
    /// for label 2; "w0"..."w29" are pseudo-random noise; the label words are constant.
    static func rows(_ n: Int, classes: Int = 2, flip: Int = 11) -> (rows: [WordScores], truth: [Int]) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var rows: [WordScores] = []
        var truth: [Int] = []
        for i in 0..<n {
            let label = i % classes
            // Every `flip`-th row gets the other label's signal: no readout can be perfect.
            let shown = i % flip == 0 ? (label + 1) % classes : label
            var lp: [String: Double] = ["positive": -2, "negative": -2, "neutral": -2]
            lp["Enjoy"] = (shown == 0 ? -3 : -6) + noise()
            lp["Lack"] = (shown == 1 ? -3 : -6) + noise()
            for w in 0..<30 { lp["w\(w)"] = -5 - 4 * noise() }
            rows.append(WordScores(logprobs: lp, tokens: lp.mapValues { _ in 1 }))
            truth.append(label)
        }
        return (rows, truth)
    }

    static let candidates = ["Enjoy", "Lack", "negative", "positive", "neutral"] + (0..<30).map { "w\($0)" }

    @Test(arguments: [2, 3])
    func findsTheInformativeWordsAndReadsTheLabel(classes: Int) {
        let (rows, truth) = Self.rows(240, classes: classes)
        let fit = WeightedReadoutFit(labels: Array(Self.labels.prefix(classes)), featureCount: 4)
        #expect(Set(fit.select(rows, truth: truth, candidates: Self.candidates).prefix(2)) == ["Enjoy", "Lack"])
        let readout = fit.fit(rows, truth: truth, candidates: Self.candidates)
        #expect(readout.weights != nil && readout.featureWords.count == 4 && readout.summary == "weighted(4 words)")
        // Unseen rows (a different noise stream): accurate up to the flipped rows, never perfect.
        let (fresh, answers) = Self.rows(120, classes: classes, flip: 7)
        let correct = zip(fresh, answers).filter { readout.decide($0) == fit.labels[$1] }.count
        #expect(correct >= 95 && correct < 120, "\(correct) of 120")
        // The seed's reading (label words only) cannot tell the rows apart.
        let seed = Readout.seed(labels: fit.labels.map { LabelVerbalizer(label: $0, verbalizers: []) })
        #expect(Set(fresh.map { seed.decide($0) }).count == 1)
    }

    @Test func crossFittedPredictionsComeFromFitsWithoutTheRow() {
        let (rows, truth) = Self.rows(120)
        let fit = WeightedReadoutFit(labels: ["positive", "negative"], featureCount: 4, folds: 5)
        let predicted = fit.crossFitted(rows, truth: truth, candidates: Self.candidates)
        #expect(predicted.count == rows.count && predicted.allSatisfy { $0 == 0 || $0 == 1 })
        let accuracy = Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(rows.count)
        // Every 11th row shows the other label's signal: held-out predictions get those wrong.
        #expect(accuracy > 0.8 && accuracy < 0.95, "\(accuracy)")
        // A row's own label cannot leak: relabelling one row leaves its own prediction unchanged.
        var changed = truth
        changed[3] = 1 - changed[3]
        #expect(fit.crossFitted(rows, truth: changed, candidates: Self.candidates)[3] == predicted[3])
    }

    @Test func logisticRegressionSeparatesAndShrinks() {
        let x: [[Double]] = (0..<40).map { i -> [Double] in
            let side = Double(i % 2) * 2 - 1
            return [side + Double(i % 5) * 0.01]
        }
        let y = (0..<40).map { $0 % 2 }
        let loose = LogisticRegression.fit(x, y, classes: 2, c: 10)
        let tight = LogisticRegression.fit(x, y, classes: 2, c: 0.001)
        func margin(_ m: LogisticRegression.Model) -> Double { (m.weights[1][0] - m.weights[0][0]) }
        #expect(margin(loose) > 0 && margin(tight) > 0 && margin(loose) > 10 * margin(tight))
    }

    @Test func readoutsWithoutWeightsDecodeAsBefore() throws {
        let old = #"{"labels":["a","b"],"words":{"a":["a"],"b":["b"]},"aggregation":"sum","calibration":"none","bias":{}}"#
        let readout = try JSONDecoder().decode(Readout.self, from: Data(old.utf8))
        #expect(readout.weights == nil && readout.featureWords.isEmpty)
        let weighted = Readout(labels: ["a", "b"], words: ["a": ["a"], "b": ["b"]], calibration: .fitted,
                               bias: ["a": 0.5], weights: ["a": ["x": 1, "y": -1], "b": ["x": -1]])
        let back = try JSONDecoder().decode(Readout.self, from: JSONEncoder().encode(weighted))
        #expect(back == weighted && back.featureWords == ["x", "y"])
        // a: 1·(-1) - 1·(-3) + 0.5 = 2.5; b: -1·(-1) = 1; a word the provider did not score counts as -50.
        let scores = WordScores(logprobs: ["x": -1, "y": -3], tokens: [:])
        #expect(back.scores(scores) == [2.5, 1] && back.decide(scores) == "a")
        #expect(back.decide(WordScores(logprobs: ["x": -1], tokens: [:])) == "a")
    }
}

/// A model whose label words say nothing (every label word scores -2) while "Enjoy" and
/// "Lack" follow the input's true label, wrong on about one input in nine; it reports 200
/// first-token alternatives, as the in-process engine does.
final class HiddenSignalProvider: ModelProvider, @unchecked Sendable {
    let labelOf: [String: String]
    /// First-token alternatives it reports (an endpoint that caps them, like OpenAI's, reports 20).
    let reported: Int
    var modelName: String { "hidden-signal" }

    init(labelOf: [String: String], reported: Int = 200) {
        self.labelOf = labelOf
        self.reported = reported
    }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        let alternatives = (["Enjoy", "Lack"] + (0..<198).map { "t\($0)" }).prefix(reported).enumerated().map {
            TokenAlternative(token: $1, logprob: -1 - Double($0) * 0.05)
        }
        let text = request.options.maxTokens == 1 ? "positive" : "Classify the sentence as positive or negative."
        let logprobs = request.options.logprobs ? [TokenLogprob(token: "positive", logprob: -1, topAlternatives: alternatives)] : nil
        return ProviderResponse(model: modelName, choices: [ProviderChoice(index: 0, text: text, logprobs: logprobs)],
                                usage: TokenUsage(promptTokens: 30, completionTokens: 1))
    }

    func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        guard case .chat(let messages) = input, let last = messages.last?.content else { throw ProviderError.invalidRequest(reason: "chat only") }
        let sentence = last.replacingOccurrences(of: "Sentence: ", with: "").components(separatedBy: "\nSentiment:")[0]
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let code = sentence.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF }
        var positive = labelOf[sentence] == "positive"
        if code % 9 == 0 { positive.toggle() }
        let jitter = Double(code % 100) / 100
        var logprobs: [String: Double] = [:]
        for label in labels {
            switch label {
            case "Enjoy": logprobs[label] = (positive ? -3 : -6) + jitter
            case "Lack": logprobs[label] = (positive ? -6 : -3) + jitter
            case _ where label.lowercased().hasPrefix("pos") || label.lowercased().hasPrefix("neg"): logprobs[label] = -2
            default: logprobs[label] = -8 - jitter
            }
        }
        return LabelChoice(label: labels[0], probabilities: [:], method: .logprobs, usage: TokenUsage(promptTokens: 30, completionTokens: 1),
                           logprobs: logprobs, tokenCounts: logprobs.mapValues { _ in 1 })
    }
}

@Suite(.serialized) struct WeightedReadoutRunTests {
    /// A 260-line sentiment task (195 train after dev) and each input's label.
    func task(in dir: URL) throws -> (path: String, labelOf: [String: String]) {
        let path = try smallSentimentTask(in: dir, train: 260, test: 40)
        var labelOf: [String: String] = [:]
        for name in ["train", "test"] {
            for line in try String(contentsOf: dir.appendingPathComponent("\(name).jsonl"), encoding: .utf8).split(separator: "\n") {
                let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
                labelOf[row["input"]!] = row["output"]!
            }
        }
        return (path, labelOf)
    }

    @Test func aRunFindsTheWeightedReadoutAndProvesItOnHeldOutExamples() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, labelOf) = try task(in: dir)
        let harness = try Harness(taskPath: path, db: dir.appendingPathComponent("l.sqlite").path,
                                  model: HiddenSignalProvider(labelOf: labelOf))
        let summary = try await harness.optimizer(settings: OptimizerSettings(seed: 2, limits: Budget(maxCandidates: 4))).run()
        #expect(summary.best.operatorName == "weighted readout" && summary.significant, "\(summary.verdict)")
        #expect(summary.best.test.mean >= 0.8 && summary.seed.test.mean < 0.7, "\(summary.best.test.mean) vs \(summary.seed.test.mean)")
        // Its evidence: dev, then the pool and selection examples it was cross-fitted on.
        #expect(summary.verdict.contains("held-out train examples"))
        let readout = try #require(summary.best.spec.readout)
        #expect(Set(readout.featureWords).isSuperset(of: ["Enjoy", "Lack"]))
        let run = try harness.store.run(matching: summary.run)
        let candidates = try harness.store.candidates(run: run.id)
        #expect(candidates.contains { $0.operatorName == "weighted readout" })
    }

    @Test func aModelReportingTwentyAlternativesGetsNoWeightedCandidate() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, labelOf) = try task(in: dir)
        let harness = try Harness(taskPath: path, db: dir.appendingPathComponent("l.sqlite").path,
                                  model: HiddenSignalProvider(labelOf: labelOf, reported: 20))
        let notes = NoteLog()
        let summary = try await harness.optimizer(settings: OptimizerSettings(seed: 2, limits: Budget(maxCandidates: 4))) { event in
            if case .note(let text) = event { notes.add(text) }
        }.run()
        #expect(summary.best.operatorName != "weighted readout")
        #expect(notes.all.contains { $0.contains("weighted readout skipped") && $0.contains("20 alternatives") }, "\(notes.all)")
        let run = try harness.store.run(matching: summary.run)
        #expect(try !harness.store.candidates(run: run.id).contains { $0.operatorName == "weighted readout" })
    }
}

final class NoteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []
    func add(_ note: String) { lock.withLock { notes.append(note) } }
    var all: [String] { lock.withLock { notes } }
}
