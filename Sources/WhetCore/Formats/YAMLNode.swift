import Foundation
import Yams

/// A YAML node with the file it came from and its dotted field path, so every
/// accessor can say exactly where a value is wrong. Built on Yams' composed
/// node tree because Codable decoding loses line numbers.
public struct YAMLNode {
    public let node: Node
    public let file: String
    public let path: String

    public static func parse(_ text: String, file: String) throws -> YAMLNode {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FileFormatError(.syntax, file: file, line: 1, field: "",
                                      expected: "the file is empty; expected a YAML mapping")
            }
            return YAMLNode(node: node, file: file, path: "")
        } catch let error as FileFormatError {
            throw error
        } catch let error as YamlError {
            throw FileFormatError(.syntax, file: file, line: Self.line(of: error), field: "",
                                  expected: "invalid YAML: \(Self.summary(of: error))")
        }
    }

    public var line: Int? { node.mark?.line }

    public func error(_ kind: FileFormatError.Kind, _ expected: String, field: String? = nil) -> FileFormatError {
        FileFormatError(kind, file: file, line: line, field: field ?? path, expected: expected)
    }

    func child(_ node: Node, _ key: String) -> YAMLNode {
        YAMLNode(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    // MARK: mappings

    public var isMapping: Bool { node.mapping != nil }
    public var isSequence: Bool { node.sequence != nil }
    public var isNull: Bool { if case .scalar(let s) = node { return s.tag == .implicit && (s.string == "null" || s.string == "~" || s.string.isEmpty) && s.style == .plain } else { return false } }

    public func mapping() throws -> [(key: String, value: YAMLNode)] {
        guard let map = node.mapping else { throw error(.wrongType, "expected a mapping (key: value), found \(kindName)") }
        return map.map { pair in (pair.key.string ?? "", child(pair.value, pair.key.string ?? "")) }
    }

    public var keys: [String] { node.mapping?.keys.compactMap { $0.string } ?? [] }

    public func optional(_ key: String) throws -> YAMLNode? {
        guard let map = node.mapping else { throw error(.wrongType, "expected a mapping (key: value), found \(kindName)") }
        guard let value = map[key] else { return nil }
        let c = child(value, key)
        return c.isNull ? nil : c
    }

    public func required(_ key: String, _ what: String) throws -> YAMLNode {
        guard let value = try optional(key) else {
            throw FileFormatError(.missingField, file: file, line: line,
                                  field: path.isEmpty ? key : "\(path).\(key)",
                                  expected: "missing; expected \(what)")
        }
        return value
    }

    /// Unknown keys are errors, not silently ignored: a typo like `metirc` would
    /// otherwise fall back to a default the user never chose.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws {
        guard let map = node.mapping else { return }
        for (k, v) in map {
            guard let key = k.string, !allowed.contains(key) else { continue }
            let field = path.isEmpty ? key : "\(path).\(key)"
            throw FileFormatError(.unknownField, file: file, line: v.mark?.line ?? k.mark?.line, field: field,
                                  expected: "unknown field; expected one of: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    // MARK: scalars

    public func string() throws -> String {
        guard case .scalar(let s) = node else { throw error(.wrongType, "expected a string, found \(kindName)") }
        return s.string
    }

    public func nonEmptyString() throws -> String {
        let s = try string()
        guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw error(.invalidValue, "expected a non-empty string")
        }
        return s
    }

    public func int() throws -> Int {
        guard case .scalar(let s) = node, s.style == .plain, let v = Int(s.string) else {
            throw error(.wrongType, "expected an integer, found \(describe)")
        }
        return v
    }

    public func double() throws -> Double {
        guard case .scalar(let s) = node, s.style == .plain, let v = Double(s.string), v.isFinite else {
            throw error(.wrongType, "expected a number, found \(describe)")
        }
        return v
    }

    public func bool() throws -> Bool {
        guard case .scalar(let s) = node, s.style == .plain, let v = node.bool else {
            throw error(.wrongType, "expected true or false, found \(describe)")
        }
        return v
    }

    public func sequence() throws -> [YAMLNode] {
        guard let seq = node.sequence else { throw error(.wrongType, "expected a list, found \(kindName)") }
        return seq.enumerated().map { i, n in YAMLNode(node: n, file: file, path: "\(path)[\(i)]") }
    }

    /// A string or a list of strings (verbalizers, stop words).
    public func stringList() throws -> [String] {
        if case .scalar = node { return [try string()] }
        return try sequence().map { try $0.string() }
    }

    public var kindName: String {
        switch node {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    var describe: String {
        if case .scalar(let s) = node { return "'\(s.string)'" }
        return kindName
    }

    /// Converts to plain JSON-compatible values (for inline data records).
    public func plainValue() -> Any {
        switch node {
        case .scalar(let s):
            // Data fields are text; keep the scalar as written ("007" stays "007").
            return isNull ? NSNull() : s.string
        case .sequence(let seq): return seq.map { YAMLNode(node: $0, file: file, path: path).plainValue() }
        case .mapping(let map):
            var out: [String: Any] = [:]
            for (k, v) in map { out[k.string ?? ""] = YAMLNode(node: v, file: file, path: path).plainValue() }
            return out
        case .alias: return NSNull()
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}
