/// Hand-written equivalents of the GPT-2 and Llama 3 pre-tokenizer regexes, written
/// from the behaviour of llama.cpp's `unicode_regex_split_custom_gpt2/_llama3`:
/// a look-ahead past the end of the chunk sees "nothing" (class 0), which is what
/// makes `\s+(?!\S)` leave the last space of a run for the following word.
enum WordSplitter {
    private static let apostrophe: UInt32 = 0x27
    private static let space: UInt32 = 0x20
    private static let cr: UInt32 = 0x0D
    private static let lf: UInt32 = 0x0A

    /// `'s|'t|'re|'ve|'m|'ll|'d` (case-insensitive when `foldCase`); returns the length matched.
    @inline(__always)
    private static func contraction(_ cps: [UInt32], _ pos: Int, _ end: Int, foldCase: Bool) -> Int {
        guard cps[pos] == apostrophe, pos + 1 < end else { return 0 }
        func lower(_ c: UInt32) -> UInt32 { foldCase && c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
        let next = lower(cps[pos + 1])
        if next == 0x73 || next == 0x74 || next == 0x6D || next == 0x64 { return 2 }  // s t m d
        guard pos + 2 < end else { return 0 }
        let nextNext = lower(cps[pos + 2])
        if (next == 0x72 && nextNext == 0x65) || (next == 0x76 && nextNext == 0x65)
            || (next == 0x6C && nextNext == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    static func gpt2(_ cps: [UInt32], _ cls: [UInt8], _ range: Range<Int>, _ words: inout [Range<Int>]) {
        let end = range.upperBound
        @inline(__always) func klass(_ p: Int) -> UInt8 { p < end ? cls[p] : 0 }
        let L = CodepointClass.letter, N = CodepointClass.number, W = CodepointClass.whitespace
        var pos = range.lowerBound
        while pos < end {
            let start = pos
            let cpt = cps[pos]
            let matched = contraction(cps, pos, end, foldCase: false)
            if matched > 0 {
                pos += matched
            } else {
                var k = cpt == space ? klass(pos + 1) : cls[pos]
                if k & L != 0 {
                    if cpt == space { pos += 1 }
                    while klass(pos) & L != 0 { pos += 1 }
                } else if k & N != 0 {
                    if cpt == space { pos += 1 }
                    while klass(pos) & N != 0 { pos += 1 }
                } else if k & (W | L | N) == 0 && k != 0 {
                    if cpt == space { pos += 1 }
                    while k & (W | L | N) == 0 && k != 0 {
                        pos += 1
                        k = klass(pos)
                    }
                } else {
                    var spaces = 0
                    while klass(pos + spaces) & W != 0 { spaces += 1 }
                    if spaces > 1 && pos + spaces < end {
                        pos += spaces - 1  // \s+(?!\S): leave one space for the next word
                    } else if spaces > 0 {
                        pos += spaces
                    } else {
                        pos += 1
                    }
                }
            }
            if pos > start { words.append(start..<pos) }
        }
    }

    static func llama3(_ cps: [UInt32], _ cls: [UInt8], _ range: Range<Int>, maxDigits: Int,
                       _ words: inout [Range<Int>]) {
        let end = range.upperBound
        @inline(__always) func klass(_ p: Int) -> UInt8 { p < end ? cls[p] : 0 }
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p < end ? cps[p] : UInt32.max }
        let L = CodepointClass.letter, N = CodepointClass.number, W = CodepointClass.whitespace
        var pos = range.lowerBound
        var wordStart = pos
        @inline(__always) func emit(_ to: Int) {
            if to > wordStart { words.append(wordStart..<to) }
            wordStart = to
        }
        while pos < end {
            let c = cps[pos]
            let k = cls[pos]
            let matched = contraction(cps, pos, end, foldCase: true)
            if matched > 0 {
                pos += matched
                emit(pos)
                continue
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == cr || c == lf || k & N != 0), k & L != 0 || klass(pos + 1) & L != 0 {
                pos += 1
                while klass(pos) & L != 0 { pos += 1 }
                emit(pos)
                continue
            }
            // \p{N}{1,maxDigits}
            if k & N != 0 {
                var groupStart = pos
                while klass(pos) & N != 0 {
                    pos += 1
                    if pos - groupStart >= maxDigits {
                        emit(pos)
                        groupStart = pos
                    }
                }
                emit(pos)
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`; the entry test uses the current code point's
            // existence, as llama.cpp does, so a lone trailing space lands here.
            var k2 = c == space ? klass(pos + 1) : k
            if k2 & (W | L | N) == 0 {
                if c == space { pos += 1 }
                while k2 & (W | L | N) == 0 && k2 != 0 {
                    pos += 1
                    k2 = klass(pos)
                }
                while cpt(pos) == cr || cpt(pos) == lf { pos += 1 }
                emit(pos)
                continue
            }
            var spaces = 0
            var afterLastNewline = 0
            while klass(pos + spaces) & W != 0 {
                let w = cps[pos + spaces]
                if w == cr || w == lf { afterLastNewline = pos + spaces + 1 }
                spaces += 1
            }
            if afterLastNewline > 0 {
                pos = afterLastNewline  // \s*[\r\n]+
            } else if spaces > 1 && pos + spaces < end {
                pos += spaces - 1  // \s+(?!\S)
            } else if spaces > 0 {
                pos += spaces
            } else {
                pos += 1
            }
            emit(pos)
        }
    }
}
