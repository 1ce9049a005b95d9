/// One pre-norm transformer block: `h = x + Attn(norm(x))`, `out = h + MLP(norm(h))`.
struct Block: Sendable {
    let index: Int
    let attention: Attention
    let mlp: MLP

    func forward(_ pass: ForwardPass) {
        attention.forward(pass, layer: index)
        mlp.forward(pass)
    }
}

/// The SiLU-gated feed-forward network: `down(silu(gate(n)) ⊙ up(n))`.
struct MLP: Sendable {
    let norm: WeightVector
    let gate: WeightMatrix
    let up: WeightMatrix
    let down: WeightMatrix

    func forward(_ pass: ForwardPass) {
        let n = pass.rows, ff = gate.rows
        let g = pass.buffers.gate.reserve(n * ff), u = pass.buffers.up.reserve(n * ff)
        pass.normalizedProducts(norm, [.init(weight: gate, out: g), .init(weight: up, out: u)])
        // expf over rows x 1536 is the largest serial piece of a batched decode step.
        let total = n * ff
        if total >= 4096 {
            let parts = 4
            WorkerPool.run(chunks: parts) { part, _ in
                let r = WorkerPool.slice(total, part, parts, align: 16)
                if !r.isEmpty { whet_swiglu(g + r.lowerBound, u + r.lowerBound, g + r.lowerBound, Int32(r.count)) }
            }
        } else {
            whet_swiglu(g, u, g, Int32(total))
        }
        let delta = pass.buffers.delta.reserve(n * pass.width)
        pass.matmul.run([.init(weight: down, out: delta)], x: g, n: n)
        pass.addResidual(delta)
    }
}

import CWhetKernels
