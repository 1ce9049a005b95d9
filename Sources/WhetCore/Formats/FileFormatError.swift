import Foundation

/// A problem in a user's file, reported as `file:line: field: what was expected`
/// so editors and CI logs can jump straight to it. Exit code 2 at the CLI.
public struct FileFormatError: LocalizedError, Equatable, Sendable {
    public enum Kind: String, Sendable {
        case missingField, wrongType, invalidValue, unknownField, notFound, tooLarge
        case invalidUTF8, syntax, emptyData, unknownTemplateField, emptySplit, io
    }

    public let kind: Kind
    public let file: String
    public let line: Int?
    public let field: String
    public let expected: String

    public init(_ kind: Kind, file: String, line: Int?, field: String, expected: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.field = field
        self.expected = expected
    }

    public var errorDescription: String? {
        let location = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(location): \(expected)" : "\(location): \(field): \(expected)"
    }
}

/// Several problems found in one pass; each is still printed on its own line.
public struct FileFormatErrors: LocalizedError, Sendable {
    public let errors: [FileFormatError]
    public var errorDescription: String? {
        errors.map { $0.errorDescription ?? "" }.joined(separator: "\n")
    }
}
