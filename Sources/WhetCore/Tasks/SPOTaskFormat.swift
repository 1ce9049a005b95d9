import Foundation

/// SPO's (MetaGPT) task format: `prompt`, `requirements`, `count`, `qa` with
/// `question`/`answer`. SPO judges outputs pairwise without labels, so these
/// tasks use the `judge` metric; `answer`s are reference samples for the judge.
enum SPOTaskFormat {
    static func parse(_ root: YAMLNode, path: String) throws -> TaskFile {
        try root.rejectUnknownKeys(["prompt", "requirements", "count", "qa", "faq", "name", "description"])
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let prompt = try root.required("prompt", "the seed prompt (SPO format)").nonEmptyString()
        let requirements = try root.optional("requirements")?.string()
        if let count = try root.optional("count") {
            // SPO writes `count: None` for "no word limit".
            if (try? count.string()) != "None" { _ = try count.int() }
        }
        let qaNode = try root.required("qa", "a list of {question, answer} samples")
        let items = try qaNode.sequence()
        var examples: [Example] = []
        for (i, item) in items.enumerated() {
            try item.rejectUnknownKeys(["question", "answer"])
            let q = try item.required("question", "the sample's question").nonEmptyString()
            let a = try item.optional("answer")?.string()
            examples.append(Example(id: "qa:\(i + 1)", fields: ["question": q], answer: a))
        }
        guard examples.count >= 3 else {
            throw qaNode.error(.emptySplit, "\(examples.count) samples leave a split empty; expected at least 3 qa items")
        }
        // Round-robin keeps every split non-empty for SPO's small sample sets.
        var rng = SeededGenerator(seed: 0)
        examples.shuffle(using: &rng)
        var train: [Example] = [], dev: [Example] = [], test: [Example] = []
        for (i, e) in examples.enumerated() {
            switch i % 5 {
            case 0, 3: train.append(e)
            case 1, 4: dev.append(e)
            default: test.append(e)
            }
        }
        let judgePath = base.appendingPathComponent("../judges/pairwise.yaml").standardizedFileURL.path
        let name = try root.optional("name")?.string()
            ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return TaskFile(
            name: name, description: try root.optional("description")?.string() ?? "SPO task",
            source: nil, instruction: prompt, template: try PromptTemplate("{question}"),
            data: TaskData(train: train, dev: dev, test: test), answer: .text, metric: .judge,
            judge: FileManager.default.fileExists(atPath: judgePath) ? judgePath : nil,
            requirements: requirements, model: .embeddedDefault, budget: Budget(), maxTokens: 96, path: path)
    }
}
