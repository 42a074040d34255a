#!/usr/bin/env python3
"""The `gpt` benchmark's GPT in PyTorch (run by scripts/bench/gpt.ts when
`import torch` works, e.g. Debian's python3-torch): same shape (vocab 96,
context 256, d_model 256, 4 layers, 4 heads, MLP 1024 tanh-GELU, pre-LN,
learned positions, untied head, batch 16, Adam), same data mapping (the
repository's docs/*.md bytes, 32..127 -> 0..95, else 0). Prints one line
`GPTRESULT {json}` with the fields gpt.ts reports."""
import argparse, glob, json, math, os, resource, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, T, D, L, H, FF, B = 96, 256, 256, 4, 4, 1024, 16


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D, eps=1e-5), nn.LayerNorm(D, eps=1e-5)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, FF), nn.Linear(FF, D)

    def forward(self, x, cache=None):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, H, D // H).permute(2, 0, 3, 1, 4)  # [3, B, H, t, Dh]
        if cache is not None:
            if 'k' in cache:
                k, v = torch.cat([cache['k'], k], 2), torch.cat([cache['v'], v], 2)
            cache['k'], cache['v'] = k, v
        a = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None) if hasattr(F, 'scaled_dot_product_attention') else self.attend(q, k, v, cache is None)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, D))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate='tanh'))

    @staticmethod
    def attend(q, k, v, causal):
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if causal:
            t = s.shape[-1]
            s = s.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float('-inf'))
        return torch.softmax(s, -1) @ v


class Gpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(T, D)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.ln, self.head = nn.LayerNorm(D, eps=1e-5), nn.Linear(D, V)

    def forward(self, idx, caches=None, start=0):
        x = self.tok(idx) + self.pos(torch.arange(start, start + idx.shape[1]))
        for i, b in enumerate(self.blocks):
            x = b(x, None if caches is None else caches[i])
        return self.head(self.ln(x))


def corpus(root):
    data = b''.join(open(f, 'rb').read() for f in sorted(glob.glob(os.path.join(root, 'docs', '*.md'))))
    return torch.tensor([c - 32 if 32 <= c <= 127 else 0 for c in data], dtype=torch.long)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default='.')
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--gen', type=int, default=128)
    a = p.parse_args()
    torch.set_num_threads(len(os.sched_getaffinity(0)))  # the CPUs this process may use (2 on the build machine)
    torch.manual_seed(0)
    ids = corpus(a.root)
    model = Gpt()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    times, losses = [], []
    for s in range(a.steps + 1):
        starts = torch.randint(0, len(ids) - T - 1, (B,))
        x = torch.stack([ids[i:i + T] for i in starts])
        y = torch.stack([ids[i + 1:i + T + 1] for i in starts])
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if s > 0:
            times.append((time.perf_counter() - t0) * 1000)
    prompt = ids[1000:1016].view(1, -1)

    @torch.no_grad()
    def generate(n, cache):
        seq = prompt
        caches = [dict() for _ in range(L)] if cache else None
        nxt = seq
        for _ in range(n):
            logits = model(nxt, caches, seq.shape[1] - nxt.shape[1]) if cache else model(seq)
            tok = logits[:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, tok], 1)
            nxt = tok if cache else seq

    def rate(n, cache):
        generate(2, cache)
        t0 = time.perf_counter()
        generate(n, cache)
        return n / (time.perf_counter() - t0)

    ms = statistics.median(times)
    out = dict(name='torch', trainMsPerStep=ms, trainTokensPerSec=B * T / (ms / 1000), steps=len(times), losses=losses,
               peakRssMB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               generateTokensPerSecCached=rate(a.gen, True), generateTokensPerSecUncached=rate(max(4, a.gen // 4), False),
               note=f'PyTorch {torch.__version__}, {torch.get_num_threads()} threads')
    print('GPTRESULT ' + json.dumps(out))


if __name__ == '__main__':
    main()
