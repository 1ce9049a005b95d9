import Foundation
import SwiftCSV

/// JSONL, JSON and CSV records with the line each came from.
enum DataFileFormats {
    static func jsonl(_ text: String, file: String) throws -> [(line: Int, values: [String: Any])] {
        var out: [(Int, [String: Any])] = []
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let obj: Any
            do { obj = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) } catch {
                throw FileFormatError(.syntax, file: file, line: lineNo, field: "",
                                      expected: "invalid JSON on this line; expected one JSON object per line")
            }
            guard let dict = obj as? [String: Any] else {
                throw FileFormatError(.wrongType, file: file, line: lineNo, field: "",
                                      expected: "expected a JSON object per line")
            }
            out.append((lineNo, dict))
        }
        return out
    }

    /// A JSON array of objects, or an object holding them under `recordsKey`
    /// (a list, or a mapping id -> record as in Instruction Induction's files).
    static func json(_ text: String, file: String, recordsKey: String?) throws -> [(line: Int, values: [String: Any])] {
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "syntax error"
            throw FileFormatError(.syntax, file: file, line: nil, field: "", expected: "invalid JSON (\(detail))")
        }
        var container: Any = obj
        if let key = recordsKey {
            guard let dict = obj as? [String: Any], let inner = dict[key] else {
                throw FileFormatError(.missingField, file: file, line: nil, field: key,
                                      expected: "expected the records under the key '\(key)' (data.records)")
            }
            container = inner
        }
        if let list = container as? [Any] {
            return try list.enumerated().map { i, v in
                guard let d = v as? [String: Any] else {
                    throw FileFormatError(.wrongType, file: file, line: nil, field: "record \(i + 1)", expected: "expected a JSON object")
                }
                return (i + 1, d)
            }
        }
        if let dict = container as? [String: Any] {
            // Keys like "1","2",...: keep numeric order so ids are stable.
            let keys = dict.keys.sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
            return try keys.enumerated().map { i, k in
                guard let d = dict[k] as? [String: Any] else {
                    throw FileFormatError(.wrongType, file: file, line: nil, field: "record \(k)",
                                          expected: "expected a JSON object; set data.records if the records sit under a key")
                }
                return (i + 1, d)
            }
        }
        throw FileFormatError(.wrongType, file: file, line: nil, field: "", expected: "expected a list of records or an object holding them")
    }

    static func csv(_ text: String, file: String) throws -> [(line: Int, values: [String: Any])] {
        let table: CSV<Named>
        do { table = try CSV<Named>(string: text, delimiter: .comma, loadColumns: false) } catch {
            throw FileFormatError(.syntax, file: file, line: nil, field: "", expected: "invalid CSV: \(error)")
        }
        // Line numbers assume no quoted newlines; they point at the record either way.
        return table.rows.enumerated().map { i, row in (i + 2, row as [String: Any]) }
    }
}
