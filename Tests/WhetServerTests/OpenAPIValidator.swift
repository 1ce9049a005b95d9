import Foundation
import Testing

/// The committed OpenAPI document and a JSON Schema check of response bodies against it: the subset of
/// JSON Schema the document uses ($ref, type, enum, required, properties, additionalProperties, items,
/// anyOf/allOf, minimum/maximum, format date-time).
struct OpenAPIDocument: @unchecked Sendable {
    let root: [String: Any]

    static let shared: OpenAPIDocument = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/WhetServer/Resources/openapi.json")
        let data = try! Data(contentsOf: url)
        return OpenAPIDocument(root: try! JSONSerialization.jsonObject(with: data) as! [String: Any])
    }()

    var paths: [String: [String: Any]] { root["paths"] as? [String: [String: Any]] ?? [:] }

    /// The (method, path) pairs the document describes, e.g. ("GET", "/v1/runs/{id}").
    var operations: Set<String> {
        var out = Set<String>()
        for (path, item) in paths {
            for method in item.keys where ["get", "post", "put", "delete", "patch", "head"].contains(method) {
                out.insert("\(method.uppercased()) \(path)")
            }
        }
        return out
    }

    func responseSchema(method: String, path: String, status: Int) -> [String: Any]? {
        guard let operation = paths[path]?[method.lowercased()] as? [String: Any],
              let responses = operation["responses"] as? [String: Any],
              let response = responses[String(status)] as? [String: Any] else { return nil }
        let content = response["content"] as? [String: Any]
        return (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any] ?? [:]
    }

    /// Checks a response: its status is documented for the operation and its JSON body fits the schema.
    /// Returns the problems (empty when it fits).
    func check(method: String, path: String, status: Int, body: Data) -> [String] {
        guard paths[path]?[method.lowercased()] != nil else { return ["\(method) \(path) is not in the document"] }
        guard let schema = responseSchema(method: method, path: path, status: status) else {
            return ["\(method) \(path): status \(status) is not documented"]
        }
        guard !schema.isEmpty else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return ["\(method) \(path) \(status): the body is not JSON"]
        }
        var problems: [String] = []
        validate(value, schema, at: "$", &problems)
        return problems.map { "\(method) \(path) \(status): \($0)" }
    }

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        var node: Any = root
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] as Any }
        return resolve(node as? [String: Any] ?? [:])
    }

    static func isBool(_ value: Any) -> Bool {
        guard let n = value as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    func validate(_ value: Any, _ raw: [String: Any], at path: String, _ problems: inout [String]) {
        let schema = resolve(raw)
        if let all = schema["allOf"] as? [[String: Any]] { for s in all { validate(value, s, at: path, &problems) } }
        if let any = schema["anyOf"] as? [[String: Any]] {
            let fits = any.contains { s in var p: [String] = []; validate(value, s, at: path, &p); return p.isEmpty }
            if !fits { problems.append("\(path): fits none of anyOf") }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { "\($0)" == "\(value)" }) {
            problems.append("\(path): \(value) is not one of \(options)")
        }
        if let type = schema["type"] as? String, !fits(value, type: type) {
            problems.append("\(path): expected \(type), found \(value)")
            return
        }
        if let n = value as? NSNumber, !Self.isBool(n) {
            if let min = schema["minimum"] as? Double, n.doubleValue < min { problems.append("\(path): below \(min)") }
            if let max = schema["maximum"] as? Double, n.doubleValue > max { problems.append("\(path): above \(max)") }
        }
        if schema["format"] as? String == "date-time", let s = value as? String, ISO8601DateFormatter().date(from: s) == nil {
            problems.append("\(path): '\(s)' is not a date-time")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): missing required '\(key)'")
            }
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for (key, item) in object {
                if let property = properties[key] {
                    validate(item, property, at: "\(path).\(key)", &problems)
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): unexpected property '\(key)'")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    validate(item, extra, at: "\(path).\(key)", &problems)
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, item) in array.enumerated() { validate(item, items, at: "\(path)[\(i)]", &problems) }
        }
    }

    func fits(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return Self.isBool(value)
        case "integer":
            guard let n = value as? NSNumber, !Self.isBool(n) else { return false }
            return n.doubleValue.rounded() == n.doubleValue
        case "number":
            guard let n = value as? NSNumber else { return false }
            return !Self.isBool(n)
        case "null": return value is NSNull
        default: return true
        }
    }
}
