import Foundation

/// A lexer for JSON text that says which strings are keys and which are values, so the
/// compressor can drop words inside values while keys, punctuation, numbers and
/// literals stay as they are.
enum JSONLexer {
    enum TokenKind: Equatable {
        case punctuation, number, literal, key, value
    }

    struct Token: Equatable {
        var range: Range<Int>
        var kind: TokenKind
    }

    /// The end of the object or array starting at `start` (brackets balanced outside
    /// strings), or nil if the text ends first.
    static func endOfValue(_ b: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var i = start
        while i < b.count {
            switch b[i] {
            case 0x22:
                guard let end = endOfString(b, from: i) else { return nil }
                i = end
                continue
            case 0x7B, 0x5B: depth += 1
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 { return i + 1 }
                if depth < 0 { return nil }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// The offset after the closing quote of the string opening at `start`.
    static func endOfString(_ b: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        while i < b.count {
            switch b[i] {
            case 0x5C: i += 2
            case 0x22: return i + 1
            case 0x0A: return nil
            default: i += 1
            }
        }
        return nil
    }

    /// The tokens of valid JSON text in `range`; whitespace between them is skipped.
    static func tokens(_ b: [UInt8], in range: Range<Int>) -> [Token] {
        var out: [Token] = []
        // For each open container, whether it is an object expecting a key next.
        var stack: [Bool] = []
        var expectKey = false
        var i = range.lowerBound
        while i < range.upperBound {
            let c = b[i]
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D:
                i += 1
            case 0x7B:
                out.append(Token(range: i..<i + 1, kind: .punctuation))
                stack.append(true)
                expectKey = true
                i += 1
            case 0x5B:
                out.append(Token(range: i..<i + 1, kind: .punctuation))
                stack.append(false)
                expectKey = false
                i += 1
            case 0x7D, 0x5D:
                out.append(Token(range: i..<i + 1, kind: .punctuation))
                _ = stack.popLast()
                expectKey = false
                i += 1
            case 0x2C:
                out.append(Token(range: i..<i + 1, kind: .punctuation))
                expectKey = stack.last ?? false
                i += 1
            case 0x3A:
                out.append(Token(range: i..<i + 1, kind: .punctuation))
                expectKey = false
                i += 1
            case 0x22:
                let end = endOfString(b, from: i) ?? range.upperBound
                out.append(Token(range: i..<end, kind: expectKey ? .key : .value))
                expectKey = false
                i = end
            default:
                var j = i
                while j < range.upperBound, !"{}[],: \t\r\n\"".utf8.contains(b[j]) { j += 1 }
                let isNumber = c == 0x2D || (c >= 0x30 && c <= 0x39)
                out.append(Token(range: i..<max(j, i + 1), kind: isNumber ? .number : .literal))
                i = max(j, i + 1)
            }
        }
        return out
    }
}
