import Foundation

/// Markdown with YAML front matter (`---` ... `---`), as Jekyll/Hugo and most
/// prompt libraries write it.
enum FrontMatter {
    /// Returns the front matter node and the body, with the body's first line number.
    static func split(_ text: String, file: String) throws -> (YAMLNode, String, Int) {
        let lines = text.components(separatedBy: "\n")
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else {
            throw FileFormatError(.syntax, file: file, line: 1, field: "",
                                  expected: "expected front matter: a first line '---', YAML fields, then '---'")
        }
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
            throw FileFormatError(.syntax, file: file, line: 1, field: "", expected: "front matter is never closed; expected a line '---'")
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        // Pad so YAML line numbers match the file's.
        let node = try YAMLNode.parse("\n" + yaml, file: file)
        let body = lines[(end + 1)...].joined(separator: "\n").trimmingCharacters(in: .newlines)
        return (node, body, end + 2)
    }
}
