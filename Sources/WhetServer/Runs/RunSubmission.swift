import Foundation
import WhetStore

/// Any JSON value: a submission's `options`, kept as sent so a restarted server rebuilds the run from it.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Decodes an options object into `T`, refusing keys `T` does not know (a misspelt option is an
    /// error, not a silent default).
    public func decodeOptions<T: Decodable>(_ type: T.Type, known: Set<String>, field: String = "options") throws -> T {
        let object: [String: JSONValue]
        switch self {
        case .null: object = [:]
        case .object(let value): object = value
        default: throw ServiceError.badRequest(message: "\(field): expected a JSON object", param: field)
        }
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError.badRequest(
                message: "\(field).\(unknown): unknown option; expected one of: \(known.sorted().joined(separator: ", "))",
                param: "\(field).\(unknown)")
        }
        let data = try JSONEncoder().encode(JSONValue.object(object))
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            let path: String
            switch error {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath.map(\.stringValue).joined(separator: ".")
            case .keyNotFound(let key, let c): path = (c.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            @unknown default: path = ""
            }
            let name = path.isEmpty ? field : "\(field).\(path)"
            throw ServiceError.badRequest(message: "\(name): wrong type or value", param: name)
        }
    }
}

/// What `POST /v1/runs` carries: the task file's content (YAML), the data files it names (by content,
/// keyed by the relative path the task uses), and the options of the command the run stands for.
public struct RunSubmission: Codable, Sendable, Equatable {
    public var kind: RunKind
    public var task: String
    public var files: [String: String]
    public var options: JSONValue

    public init(kind: RunKind, task: String, files: [String: String] = [:], options: JSONValue = .object([:])) {
        self.kind = kind
        self.task = task
        self.files = files
        self.options = options
    }

    static let keys: Set<String> = ["kind", "task", "files", "options"]

    /// Reads a request body; every problem is a 400 naming the field.
    public static func decode(_ data: Data) throws -> RunSubmission {
        let body = try JSONReply.decode(JSONValue.self, from: data)
        guard case .object(let object) = body else {
            throw ServiceError.badRequest(message: "expected a JSON object with task, kind, files and options", param: nil)
        }
        if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
            throw ServiceError.badRequest(message: "\(unknown): unknown field; expected kind, task, files, options", param: unknown)
        }
        var kind = RunKind.optimize
        switch object["kind"] {
        case nil, .null?: break
        case .string(let name)?:
            guard let value = RunKind(rawValue: name) else {
                throw ServiceError.badRequest(
                    message: "kind: unknown run kind '\(name)'; expected one of: \(RunKind.allCases.map(\.rawValue).joined(separator: ", "))",
                    param: "kind")
            }
            kind = value
        default: throw ServiceError.badRequest(message: "kind: expected a string", param: "kind")
        }
        guard case .string(let task)? = object["task"] else {
            throw ServiceError.badRequest(message: "task: missing; expected the task file's content (YAML text)", param: "task")
        }
        guard !task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ServiceError.badRequest(message: "task: empty; expected the task file's content (YAML text)", param: "task")
        }
        var files: [String: String] = [:]
        switch object["files"] {
        case nil, .null?: break
        case .object(let entries)?:
            for (name, value) in entries {
                guard case .string(let content) = value else {
                    throw ServiceError.badRequest(message: "files.\(name): expected the file's content as a string", param: "files.\(name)")
                }
                files[name] = content
            }
        default: throw ServiceError.badRequest(message: "files: expected an object of relative path -> content", param: "files")
        }
        return RunSubmission(kind: kind, task: task, files: files, options: object["options"] ?? .object([:]))
    }
}
