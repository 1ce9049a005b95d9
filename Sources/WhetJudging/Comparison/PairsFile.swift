import Foundation
import WhetCore

/// One fixed pair to judge (`whet judge PAIRS.jsonl`): the instruction (with any input appended),
/// two outputs, an optional reference answer and an optional human label.
public struct LabelledPair: Sendable, Equatable, Codable {
    /// 1-based line in the file.
    public var line: Int
    public var input: String
    public var output1: String
    public var output2: String
    public var reference: String?
    /// 1 or 2 for the better output, 0 for a tie; nil when unlabelled.
    public var label: Int?

    public init(line: Int, input: String, output1: String, output2: String, reference: String? = nil, label: Int? = nil) {
        self.line = line
        self.input = input
        self.output1 = output1
        self.output2 = output2
        self.reference = reference
        self.label = label
    }
}

public enum PairsFileError: UserFacingError, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, field: String, expected: String)
    case empty(path: String)

    public var errorDescription: String? {
        switch self {
        case .missing(let path): return "\(path): file does not exist"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .badLine(let path, let line, let field, let expected):
            return "\(path):\(line): \(field.isEmpty ? "" : "\(field): ")\(expected)"
        case .empty(let path): return "\(path): no pairs (expected one JSON object a line with input, output_1, output_2)"
        }
    }
}

/// Reads a JSON Lines file of pairs: `{"input", "output_1", "output_2", "label"?, "reference"?}` a line.
/// Blank lines are skipped; anything else that is not such an object is an error naming its line.
public enum PairsFile {
    public static let limit = 64 << 20

    public static func load(_ path: String) throws -> [LabelledPair] {
        guard FileManager.default.fileExists(atPath: path) else { throw PairsFileError.missing(path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw PairsFileError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count <= limit else { throw PairsFileError.unreadable(path: path, reason: "larger than 64 MB") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PairsFileError.unreadable(path: path, reason: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> [LabelledPair] {
        var pairs: [LabelledPair] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            func bad(_ field: String, _ expected: String) -> PairsFileError {
                .badLine(path: path, line: line, field: field, expected: expected)
            }
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)) else {
                throw bad("", "not valid JSON; expected one object a line with input, output_1, output_2")
            }
            guard case .object(let record) = value else { throw bad("", "expected a JSON object, found \(value.kind)") }
            let known: Set<String> = ["input", "output_1", "output_2", "label", "reference"]
            if let unknown = record.keys.filter({ !known.contains($0) }).sorted().first {
                throw bad(unknown, "unknown field; expected input, output_1, output_2, label, reference")
            }
            func text(_ key: String, required: Bool) throws -> String? {
                switch record[key] {
                case .string(let s): return s
                case nil, .null?:
                    if required { throw bad(key, "missing; expected a string") }
                    return nil
                case let other?: throw bad(key, "expected a string, found \(other.kind)")
                }
            }
            var label: Int?
            switch record["label"] {
            case nil, .null?: label = nil
            case .number(let n)? where [0, 1, 2].contains(n): label = Int(n)
            case let other?: throw bad("label", "expected 1, 2 or 0 (a tie), found \(other.kind == "number" ? "\(other)" : other.kind)")
            }
            pairs.append(LabelledPair(line: line, input: try text("input", required: true)!,
                                      output1: try text("output_1", required: true)!,
                                      output2: try text("output_2", required: true)!,
                                      reference: try text("reference", required: false), label: label))
        }
        guard !pairs.isEmpty else { throw PairsFileError.empty(path: path) }
        return pairs
    }
}

/// Any JSON value, decoded strictly enough to tell `true` from `1`.
enum JSONValue: Decodable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    var description: String {
        if case .number(let n) = self { return n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n) }
        return kind
    }
}
