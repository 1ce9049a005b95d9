/// Watches one sequence's output for stop strings as tokens arrive. It matches UTF-8
/// bytes (a valid UTF-8 needle can only match at a scalar boundary), and each token
/// searches only the window a new match could lie in, so a long output costs no more
/// per token than a short one.
struct StopStringMatcher {
    private let stops: [(text: String, bytes: [UInt8])]
    private let longest: Int
    private let piece: (Int32) -> [UInt8]
    private var bytes: [UInt8] = []

    /// nil when there is nothing to watch for.
    init?(stops: [String], tokenizer: some Tokenizer) {
        let kept = stops.filter { !$0.isEmpty }.map { (text: $0, bytes: Array($0.utf8)) }
        guard !kept.isEmpty else { return nil }
        self.stops = kept
        longest = kept.map(\.bytes.count).max() ?? 0
        piece = { tokenizer.pieceBytes($0) }
    }

    /// Appends a token's text; returns the stop string that now appears, if any (the
    /// earliest match, as a text search would find first).
    mutating func append(_ token: Int32) -> String? {
        let added = piece(token)
        guard !added.isEmpty else { return nil }
        let windowStart = max(0, bytes.count - (longest - 1))
        bytes.append(contentsOf: added)
        var best: (position: Int, text: String)?
        for stop in stops {
            if let at = Self.firstIndex(of: stop.bytes, in: bytes, from: windowStart),
               at < best?.position ?? Int.max {
                best = (at, stop.text)
            }
        }
        return best?.text
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count - start >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
