import Foundation

/// Checks that every JSON block still parses after compression and restores any that
/// does not (none should: only whole words inside string values are ever dropped).
struct JSONGuard {
    let layout: TextLayout
    let assembler: TextAssembler

    /// Returns a warning per restored block.
    func repair(_ keep: inout [Bool]) -> [String] {
        var warnings: [String] = []
        for (b, block) in layout.blocks.enumerated() where block.kind == .json {
            let units = layout.unitRange(ofBlock: b)
            var only = [Bool](repeating: false, count: keep.count)
            for u in units { only[u] = keep[u] }
            let text = assembler.assemble(keep: only).text
            if (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) == nil {
                for u in units { keep[u] = true }
                warnings.append("a JSON value did not parse after compression and was kept whole")
            }
        }
        return warnings
    }
}
