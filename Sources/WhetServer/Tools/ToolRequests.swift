import Foundation
import WhetCompression
import WhetCore

/// A tool request's body: a JSON object whose fields are checked by name (an unknown or misspelt one
/// is a 400 naming it), with the command's options under `options` by their CLI names in camelCase.
struct ToolBody {
    let fields: [String: JSONValue]

    init(_ data: Data, known: Set<String>, route: String) throws {
        guard case .object(let object) = try JSONReply.decode(JSONValue.self, from: data) else {
            throw ServiceError.badRequest(message: "\(route): expected a JSON object with \(known.sorted().joined(separator: ", "))",
                                          param: nil)
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError.badRequest(message: "\(unknown): unknown field; expected \(known.sorted().joined(separator: ", "))",
                                          param: unknown)
        }
        fields = object
    }

    func string(_ key: String, required: String? = nil) throws -> String? {
        switch fields[key] {
        case .string(let value)?: return value
        case nil, .null?:
            if let required { throw ServiceError.badRequest(message: "\(key): missing; expected \(required)", param: key) }
            return nil
        default: throw ServiceError.badRequest(message: "\(key): expected a string", param: key)
        }
    }

    /// `files`: relative path -> content, as `POST /v1/runs` takes them.
    func files() throws -> [String: String] {
        switch fields["files"] {
        case nil, .null?: return [:]
        case .object(let entries)?:
            return try entries.mapValues { value in
                guard case .string(let content) = value else {
                    throw ServiceError.badRequest(message: "files: expected an object of relative path -> content", param: "files")
                }
                return content
            }
        default: throw ServiceError.badRequest(message: "files: expected an object of relative path -> content", param: "files")
        }
    }

    func options<T: Decodable>(_ type: T.Type, known: Set<String>) throws -> T {
        try (fields["options"] ?? .object([:])).decodeOptions(type, known: known)
    }
}

/// `whet compare`'s options.
struct CompareOptions: Codable {
    var split: Split?
    var limit: Int?
    var failUnder: Double?
    var parallel: Int?
    var noCache: Bool?

    static let keys: Set<String> = ["split", "limit", "failUnder", "parallel", "noCache"]
}

/// `whet judge`'s options.
struct JudgeOptions: Codable {
    var parallel: Int?
    var noCache: Bool?

    static let keys: Set<String> = ["parallel", "noCache"]
}

/// `whet compress`'s options, turned into the library's request with the CLI's checks.
struct CompressOptions: Codable {
    var question: String?
    var rate: Double?
    var targetTokens: Int?
    var mode: CompressionMode?
    var keep: [String]?
    var noKeepNumbers: Bool?
    var compressCode: Bool?
    var compressHeadings: Bool?
    var reorder: Bool?

    static let keys: Set<String> = ["question", "rate", "targetTokens", "mode", "keep", "noKeepNumbers", "compressCode",
                                    "compressHeadings", "reorder"]

    func request(text: String) throws -> CompressionRequest {
        let target: CompressionTarget
        switch (rate, targetTokens) {
        case (.some, .some):
            throw bad("options: give rate or targetTokens, not both", "options.rate")
        case (.some(let r), nil):
            guard r.isFinite, r > 0, r <= 1 else { throw bad("options.rate: expected a number in (0, 1], got \(r)", "options.rate") }
            target = .rate(r)
        case (nil, .some(let t)):
            guard t > 0 else { throw bad("options.targetTokens: expected a positive whole number, got \(t)", "options.targetTokens") }
            target = .tokens(t)
        case (nil, nil):
            target = .rate(0.5)
        }
        var structure = StructureOptions()
        structure.keepNumbers = noKeepNumbers != true
        structure.keepCodeBlocks = compressCode != true
        structure.keepHeadings = compressHeadings != true
        let rules: [KeepRule]
        do { rules = try (keep ?? []).map(KeepRule.init(parsing:)) } catch {
            throw bad("options.keep: \(error.localizedDescription)", "options.keep")
        }
        return CompressionRequest(context: text, question: question, target: target, mode: mode ?? .auto, keep: rules,
                                  structure: structure, reorderByRelevance: reorder == true)
    }

    private func bad(_ message: String, _ param: String) -> ServiceError { .badRequest(message: message, param: param) }
}
