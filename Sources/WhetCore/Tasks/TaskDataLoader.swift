import Foundation

/// Loads a task's examples (inline, one file split by ratios, or explicit split
/// files) and splits them deterministically by seed.
enum TaskDataLoader {
    static let dataKeys: Set<String> = [
        "examples", "path", "train", "dev", "test", "format", "records", "fields", "answer",
        "answer_pattern", "limit",
    ]

    struct Mapping {
        var fields: [String: String]   // template field -> column
        var answerColumn: String?
        var answerPattern: NSRegularExpression?
        var recordsKey: String?
        var format: String?
        var limit: Int?
    }

    static func load(_ node: YAMLNode, splits: YAMLNode?, baseDir: URL, needsReference: Bool) throws -> TaskData {
        try node.rejectUnknownKeys(dataKeys)
        var mapping = Mapping(fields: [:])
        if let f = try node.optional("fields") {
            for (key, value) in try f.mapping() { mapping.fields[key] = try value.nonEmptyString() }
        }
        mapping.answerColumn = try node.optional("answer")?.nonEmptyString()
        if let p = try node.optional("answer_pattern") {
            let pattern = try p.nonEmptyString()
            guard let re = try? NSRegularExpression(pattern: pattern) else {
                throw p.error(.invalidValue, "'\(pattern)' is not a valid regular expression")
            }
            mapping.answerPattern = re
        }
        mapping.recordsKey = try node.optional("records")?.nonEmptyString()
        if let fmt = try node.optional("format") {
            let f = try fmt.string()
            guard ["jsonl", "csv", "json"].contains(f) else {
                throw fmt.error(.invalidValue, "unknown format '\(f)'; expected jsonl, csv or json")
            }
            mapping.format = f
        }
        if let l = try node.optional("limit") {
            let v = try l.int()
            guard v > 0 else { throw l.error(.invalidValue, "expected a positive integer") }
            mapping.limit = v
        }
        if needsReference && mapping.answerColumn == nil {
            throw node.error(.missingField, "missing; expected the column holding the reference answer (data.answer)",
                             field: node.path + ".answer")
        }

        let ratios = try SplitRatios.parse(splits)
        let explicit = try ["train", "dev", "test"].compactMap { key -> (String, YAMLNode)? in
            guard let n = try node.optional(key) else { return nil }
            return (key, n)
        }
        let sources = [try node.optional("examples"), try node.optional("path")].compactMap { $0 }
        if sources.count > 1 || (!sources.isEmpty && !explicit.isEmpty) {
            throw node.error(.invalidValue, "give exactly one of: examples (inline), path (one file), or train/dev/test files")
        }

        var rng = SeededGenerator(seed: ratios.seed)
        if let inline = try node.optional("examples") {
            let records = try inline.sequence()
            var examples: [Example] = []
            for (i, r) in records.enumerated() {
                guard r.isMapping else { throw r.error(.wrongType, "expected a mapping of field: value") }
                let values = (r.plainValue() as? [String: Any]) ?? [:]
                examples.append(try makeExample(values, id: "inline:\(i + 1)", mapping: mapping,
                                                file: r.file, line: r.line, needsReference: needsReference))
            }
            guard !examples.isEmpty else { throw inline.error(.emptyData, "the data set is empty; expected at least 3 examples") }
            return try ratios.split(examples, rng: &rng, node: splits ?? node)
        }
        if let pathNode = try node.optional("path") {
            var examples = try loadFile(pathNode, baseDir: baseDir, mapping: mapping, needsReference: needsReference)
            if let limit = mapping.limit, examples.count > limit {
                examples.shuffle(using: &rng)
                examples = Array(examples.prefix(limit))
            }
            return try ratios.split(examples, rng: &rng, node: splits ?? node)
        }
        guard !explicit.isEmpty else {
            throw node.error(.missingField, "no examples; expected examples (inline), path, or train/test files")
        }
        var sets: [String: [Example]] = [:]
        for (key, n) in explicit {
            var ex = try loadFile(n, baseDir: baseDir, mapping: mapping, needsReference: needsReference)
            if let limit = mapping.limit, ex.count > limit {
                ex.shuffle(using: &rng)
                ex = Array(ex.prefix(limit))
            }
            sets[key] = ex
        }
        guard let test = sets["test"], !test.isEmpty else {
            throw node.error(.emptySplit, "the test split is empty; expected a test file with examples (data.test)",
                             field: node.path + ".test")
        }
        var train = sets["train"] ?? []
        var dev = sets["dev"] ?? []
        if dev.isEmpty {
            // Carve dev from the train pool by the dev ratio, as DSPy users expect a
            // separate selection set even when only train/test files exist.
            train.shuffle(using: &rng)
            let n = Int((Double(train.count) * ratios.devShareOfPool).rounded())
            dev = Array(train.prefix(n))
            train = Array(train.dropFirst(n))
        }
        guard !train.isEmpty else { throw node.error(.emptySplit, "the train split is empty; expected examples to optimise on") }
        guard !dev.isEmpty else { throw node.error(.emptySplit, "the dev split is empty; raise splits.dev or add data.dev") }
        return TaskData(train: train, dev: dev, test: test)
    }

    static func loadFile(_ node: YAMLNode, baseDir: URL, mapping: Mapping, needsReference: Bool) throws -> [Example] {
        let rel = try node.nonEmptyString()
        let path = TaskFileParser.resolve(rel, baseDir)
        guard FileManager.default.fileExists(atPath: path) else {
            throw node.error(.notFound, "data file '\(rel)' does not exist (looked at \(path))")
        }
        let text = try TextFileReader.read(URL(fileURLWithPath: path), limit: TextFileReader.dataLimit, field: node.path)
        let format = mapping.format ?? URL(fileURLWithPath: path).pathExtension.lowercased()
        let records: [(line: Int, values: [String: Any])]
        switch format {
        case "jsonl": records = try DataFileFormats.jsonl(text, file: path)
        case "json": records = try DataFileFormats.json(text, file: path, recordsKey: mapping.recordsKey)
        case "csv": records = try DataFileFormats.csv(text, file: path)
        default:
            throw node.error(.invalidValue, "cannot tell the format of '\(rel)'; expected .jsonl, .json or .csv, or set data.format")
        }
        guard !records.isEmpty else {
            throw FileFormatError(.emptyData, file: path, line: nil, field: "", expected: "the data set is empty; expected at least one record")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return try records.enumerated().map { i, r in
            try makeExample(r.values, id: "\(name):\(i + 1)", mapping: mapping, file: path, line: r.line,
                            needsReference: needsReference)
        }
    }

    static func makeExample(_ values: [String: Any], id: String, mapping: Mapping, file: String, line: Int?,
                            needsReference: Bool) throws -> Example {
        var fields: [String: String] = [:]
        for (k, v) in values { if let s = stringify(v) { fields[k] = s } }
        for (field, column) in mapping.fields {
            guard let v = values[column], let s = stringify(v) else {
                throw FileFormatError(.missingField, file: file, line: line, field: "data.fields.\(field)",
                                      expected: "record has no column '\(column)'; it has: \(values.keys.sorted().joined(separator: ", "))")
            }
            fields[field] = s
        }
        var answer: String?
        if let column = mapping.answerColumn {
            guard let v = values[column], let s = stringify(v) else {
                if needsReference {
                    throw FileFormatError(.missingField, file: file, line: line, field: "data.answer",
                                          expected: "record has no answer column '\(column)'; it has: \(values.keys.sorted().joined(separator: ", "))")
                }
                return Example(id: id, fields: fields, answer: nil)
            }
            answer = s
            if let re = mapping.answerPattern {
                let ns = s as NSString
                guard let m = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) else {
                    throw FileFormatError(.invalidValue, file: file, line: line, field: "data.answer_pattern",
                                          expected: "the pattern does not match this record's answer")
                }
                let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
                answer = ns.substring(with: r).trimmingCharacters(in: .whitespaces)
            }
        }
        return Example(id: id, fields: fields, answer: answer)
    }

    static func stringify(_ v: Any) -> String? {
        switch v {
        case let s as String: return s
        case let n as NSNumber:
            // JSONSerialization gives booleans as NSNumber with objCType "c".
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
            return n.stringValue
        case is NSNull: return nil
        case let a as [Any]: return a.compactMap(stringify).first
        default: return nil
        }
    }
}
