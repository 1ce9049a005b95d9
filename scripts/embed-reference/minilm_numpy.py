"""A short, independent numpy implementation of all-MiniLM-L6-v2 as sentence-transformers runs it:
HF `tokenizers` (truncation at max_seq_length, padding to the batch's longest), BERT with an additive
attention mask, mean pooling over the mask, L2 normalisation. Reads the same model.safetensors.
It shares no code with the Swift implementation; it is the reference for fixtures and the benchmark."""
import json
import os

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer


class MiniLM:
    def __init__(self, directory):
        cfg = json.load(open(os.path.join(directory, "config.json")))
        st = json.load(open(os.path.join(directory, "sentence_bert_config.json")))
        self.max_len = st["max_seq_length"]
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        self.w = {k: v.astype(np.float32) for k, v in load_file(os.path.join(directory, "model.safetensors")).items()}
        # Linear weights transposed once to contiguous [in, out], so every projection is one plain GEMM.
        self.wt = {k: np.ascontiguousarray(v.T) for k, v in self.w.items() if k.endswith(".weight") and v.ndim == 2}
        self.tok = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        self.tok.enable_truncation(self.max_len)
        self.tok.no_padding()

    def token_ids(self, text):
        return self.tok.encode(text).ids

    def _ln(self, x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _dense(self, x, name):
        flat = x.reshape(-1, x.shape[-1]) @ self.wt[name + ".weight"] + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def embed_ids(self, batch_ids):
        b, L = len(batch_ids), max(len(ids) for ids in batch_ids)
        ids = np.zeros((b, L), dtype=np.int64)
        mask = np.zeros((b, L), dtype=np.float32)
        for i, row in enumerate(batch_ids):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:L]
        x = self._ln(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        d = x.shape[-1]
        hd = d // self.heads
        additive = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for l in range(self.layers):
            p = f"encoder.layer.{l}."
            def split(t):
                return t.reshape(b, L, self.heads, hd).transpose(0, 2, 1, 3)
            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            s = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2)) / np.sqrt(hd) + additive
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b, L, d)
            x = self._ln(x + self._dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = self._ln(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def embed(self, texts, batch_size=32):
        out = []
        for i in range(0, len(texts), batch_size):
            out.append(self.embed_ids([self.token_ids(t) for t in texts[i : i + batch_size]]))
        return np.concatenate(out)
