import Foundation

/// Finds constraints an instruction states in plain words — a count of words, sentences,
/// paragraphs, lines or list items ("in three sentences", "at most 50 words", "give 5 tips"),
/// "one word", "answer yes or no", JSON — and measures how far a response is from them.
public enum ConstraintCheck {
    static let numberWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "twelve": 12, "twenty": 20, "a single": 1, "single": 1,
    ]
    static let units = ["bullet point", "paragraph", "sentence", "adjective", "synonym", "strategie", "question",
                        "countrie", "benefit", "example", "element", "method", "reason", "point", "thing", "word",
                        "line", "item", "name", "idea", "step", "tip", "way", "fact", "type"]
    static let upper = ["at most", "no more than", "less than", "fewer than", "under"]
    static let lower = ["at least", "more than"]

    static let countPattern: NSRegularExpression = {
        let number = #"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|a single|single)"#
        let bound = #"\b(at most|no more than|less than|fewer than|under|at least|more than|exactly|in)?\s*"#
        let unit = "(" + units.joined(separator: "|") + ")s?\\b"
        return try! NSRegularExpression(pattern: bound + number + #"\s+(?:[a-z-]+\s+)?"# + unit)
    }()
    static let oneWord = try! NSRegularExpression(pattern: #"\b(one|single|1)[- ]word\b|\bin a word\b"#)
    static let yesNo = try! NSRegularExpression(pattern: #"\b(answer|respond|reply)\s+(with\s+)?["']?yes["']?\s+or\s+["']?no\b"#)
    static let startsYesNo = try! NSRegularExpression(pattern: #"^\W*(yes|no)\b"#)
    static let json = try! NSRegularExpression(pattern: #"\bjson\b"#)
    static let listItem = try! NSRegularExpression(pattern: #"^\s*(\d+[.)]|[-*•]|[a-zA-Z][.)])\s+"#)
    static let sentenceBreak = try! NSRegularExpression(pattern: #"(?<=[.!?])\s+|\n+"#)
    static let paragraphBreak = try! NSRegularExpression(pattern: #"\n\s*\n"#)
    static let itemSeparator = try! NSRegularExpression(pattern: #",|;| and "#)

    /// Mean violation in [0, 1] over the constraints found; nil when the instruction states none.
    public static func violation(instruction: String, response: String) -> Double? {
        let ins = instruction.lowercased()
        let ns = ins as NSString
        var found: [Double] = []
        for m in countPattern.matches(in: ins, range: NSRange(location: 0, length: ns.length)) {
            let bound = m.range(at: 1).location == NSNotFound ? "" : ns.substring(with: m.range(at: 1))
            let numberText = ns.substring(with: m.range(at: 2))
            guard let n = Int(numberText) ?? numberWords[numberText], n <= 50 else { continue }
            let actual = count(unit: ns.substring(with: m.range(at: 3)), in: response)
            let scale = Double(max(n, 1))
            if upper.contains(bound) {
                found.append(actual <= n ? 0 : min(1, Double(actual - n) / scale))
            } else if lower.contains(bound) {
                found.append(actual >= n ? 0 : min(1, Double(n - actual) / scale))
            } else {
                found.append(min(1, Double(abs(actual - n)) / scale))
            }
        }
        if matches(oneWord, ins) { found.append(TextSignals.words(response).count <= 3 ? 0 : 1) }
        if matches(yesNo, ins) { found.append(matches(startsYesNo, response.lowercased()) ? 0 : 1) }
        if matches(json, ins) { found.append(response.contains("{") || response.contains("[") ? 0 : 1) }
        return found.isEmpty ? nil : found.reduce(0, +) / Double(found.count)
    }

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length)) != nil
    }

    static func split(_ text: String, by regex: NSRegularExpression) -> [String] {
        let ns = text as NSString
        var parts: [String] = []
        var start = 0
        for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            parts.append(ns.substring(with: NSRange(location: start, length: m.range.location - start)))
            start = m.range.location + m.range.length
        }
        parts.append(ns.substring(from: start))
        return parts
    }

    static func hasWordCharacter(_ s: String) -> Bool { s.unicodeScalars.contains { CharacterSet.alphanumerics.contains($0) } }

    /// How many of `unit` the response has: words, sentences, paragraphs, lines, else list items
    /// (numbered or bulleted lines; else non-empty lines; else comma-separated parts).
    static func count(unit: String, in text: String) -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        switch unit {
        case "word": return TextSignals.words(text).count
        case "sentence": return split(trimmed, by: sentenceBreak).filter(hasWordCharacter).count
        case "paragraph": return split(trimmed, by: paragraphBreak).filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count
        case "line": return lines.count
        default:
            let items = lines.filter { matches(listItem, $0) }
            if !items.isEmpty { return items.count }
            if lines.count > 1 { return lines.count }
            return split(text, by: itemSeparator).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
        }
    }
}
