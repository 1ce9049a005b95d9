import Foundation

/// A prompt template with `{field}` placeholders; `{{` and `}}` are literal braces.
public struct PromptTemplate: Sendable, Equatable {
    public let source: String
    public let fields: [String]
    private let parts: [Part]

    enum Part: Sendable, Equatable { case text(String), field(String) }

    public enum ParseError: Error, Equatable {
        case unclosedBrace(offset: Int)
        case emptyField(offset: Int)
        case badFieldName(String)
    }

    public init(_ source: String) throws {
        self.source = source
        var parts: [Part] = []
        var fields: [String] = []
        var text = ""
        var chars = Array(source)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "{" && i + 1 < chars.count && chars[i + 1] == "{" { text.append("{"); i += 2; continue }
            if c == "}" && i + 1 < chars.count && chars[i + 1] == "}" { text.append("}"); i += 2; continue }
            if c == "{" {
                guard let close = chars[(i + 1)...].firstIndex(of: "}") else { throw ParseError.unclosedBrace(offset: i) }
                let name = String(chars[(i + 1)..<close]).trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { throw ParseError.emptyField(offset: i) }
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                    throw ParseError.badFieldName(name)
                }
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                parts.append(.field(name))
                if !fields.contains(name) { fields.append(name) }
                i = close + 1
                continue
            }
            text.append(c)
            i += 1
        }
        if !text.isEmpty { parts.append(.text(text)) }
        chars.removeAll()
        self.parts = parts
        self.fields = fields
    }

    /// Fills the placeholders; a field the values lack is an error, never blank.
    public func render(_ values: [String: String]) throws -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .field(let f):
                guard let v = values[f] else { throw TemplateError.missingValue(f) }
                out += v
            }
        }
        return out
    }
}

public enum TemplateError: LocalizedError, Equatable {
    case missingValue(String)
    public var errorDescription: String? {
        switch self {
        case .missingValue(let f): return "template field {\(f)} has no value"
        }
    }
}
