import Foundation

/// The task file's `compress:` option: which data fields are compressed before the model sees
/// them, to what share of their tokens, and which field (never compressed) is the question the
/// compression keeps relevant text for. Applied by every command that scores the task.
public struct TaskCompression: Sendable, Equatable {
    /// Data fields whose values are compressed (each on its own).
    public var fields: [String]
    /// Share of each field's tokens kept, in (0, 1].
    public var rate: Double
    /// A data field used as the question (question-aware compression); nil compresses without one.
    public var questionField: String?

    public init(fields: [String], rate: Double, questionField: String? = nil) {
        self.fields = fields
        self.rate = rate
        self.questionField = questionField
    }

    static let keys: Set<String> = ["fields", "rate", "question_field"]

    /// Reads a `compress:` mapping and checks it against the task's data: every named field must
    /// be a field of every example.
    static func parse(_ node: YAMLNode, data: TaskData) throws -> TaskCompression {
        guard node.isMapping else {
            throw node.error(.wrongType, "expected a mapping {fields: [...], rate: R, question_field: F}")
        }
        try node.rejectUnknownKeys(keys)
        let fieldsNode = try node.required("fields", "a list of the data fields to compress")
        let fields = try fieldsNode.stringList()
        guard !fields.isEmpty else { throw fieldsNode.error(.invalidValue, "expected at least one field name") }
        if let blank = fields.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw fieldsNode.error(.invalidValue, "expected field names, found an empty one ('\(blank)')")
        }
        if let repeated = Dictionary(grouping: fields, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw fieldsNode.error(.invalidValue, "field '\(repeated)' is listed twice")
        }
        let rateNode = try node.required("rate", "the share of each field's tokens to keep, a number in (0, 1]")
        let rate = try rateNode.double()
        guard rate > 0, rate <= 1 else {
            throw rateNode.error(.invalidValue, "expected a number in (0, 1] (the share of tokens kept), found \(rate)")
        }
        var question: String?
        if let qNode = try node.optional("question_field") {
            let q = try qNode.nonEmptyString()
            if fields.contains(q) {
                throw qNode.error(.invalidValue, "'\(q)' is also listed under compress.fields; the question is never compressed")
            }
            try checkField(q, node: qNode, data: data)
            question = q
        }
        for field in fields { try checkField(field, node: fieldsNode, data: data) }
        return TaskCompression(fields: fields, rate: rate, questionField: question)
    }

    static func checkField(_ field: String, node: YAMLNode, data: TaskData) throws {
        guard let example = data.all.first(where: { $0.fields[field] == nil }) else { return }
        let have = example.fields.keys.sorted().joined(separator: ", ")
        throw node.error(.unknownTemplateField,
                         "'\(field)' is not a field of the data (example \(example.id) has: \(have)); expected a data field name")
    }
}
