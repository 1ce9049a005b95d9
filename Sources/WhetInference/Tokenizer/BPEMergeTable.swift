/// The merge table of a byte-level BPE vocabulary, on integer symbol ids.
///
/// Symbols are vocabulary ids; a merge component or result that is not itself in
/// the vocabulary gets a "virtual" id past the end, so the table behaves exactly as
/// llama.cpp's string-keyed `bpe_ranks` even for odd vocabularies. Immutable.
struct BPEMergeTable: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    let vocabularyCount: Int
    /// Byte-level text of each virtual symbol, indexed by `id - vocabularyCount`.
    let virtualText: [[UInt8]]
    /// The symbol of each raw byte before any merge.
    let byteSymbol: [Int32]
    private let merges: [UInt64: Merge]

    /// `pieceIDs` maps each vocabulary entry's UTF-8 bytes to its id. Merge rank is the
    /// index in `merges`; a duplicate pair keeps its first (lowest) rank.
    init(pieceIDs: [[UInt8]: Int32], vocabularyCount: Int, merges mergeStrings: [String]) {
        self.vocabularyCount = vocabularyCount
        var ids = pieceIDs
        var virtualText: [[UInt8]] = []
        func symbol(_ bytes: [UInt8]) -> Int32 {
            if let id = ids[bytes] { return id }
            let id = Int32(vocabularyCount + virtualText.count)
            virtualText.append(bytes)
            ids[bytes] = id
            return id
        }
        byteSymbol = (0..<256).map { symbol(ByteLevelEncoding.byteToEncodedUTF8[$0]) }

        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(mergeStrings.count)
        for (rank, merge) in mergeStrings.enumerated() {
            // Split at the first space after position 0, as llama.cpp does, so a
            // merge whose left part is a literal space still parses.
            let bytes = Array(merge.utf8)
            guard bytes.count >= 3, let cut = bytes[1...].firstIndex(of: 0x20) else { continue }
            let left = Array(bytes[..<cut]), right = Array(bytes[(cut + 1)...])
            guard !right.isEmpty else { continue }
            let key = Self.key(symbol(left), symbol(right))
            if table[key] == nil {
                table[key] = Merge(rank: Int32(rank), result: symbol(left + right))
            }
        }
        self.merges = table
        self.virtualText = virtualText
    }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? { merges[Self.key(left, right)] }

    var count: Int { merges.count }
}
