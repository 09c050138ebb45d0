#!/usr/bin/env python3
"""The default GAN of linact-gan, trained in PyTorch, to judge the runner's training against.

Same model (G 100-128-256-512-784 ReLU/Tanh, D 784-512-256-128-1 LeakyReLU(0.2), logits into
BCEWithLogitsLoss), nn.Linear's initialisation, Adam lr 2e-4 betas (0.5, 0.999), batch 128,
every image each epoch, data mapped to [-1, 1], D loss = BCE(D(x), 1) + BCE(D(G(z)), 0), each
the mean over its own batch, then the non-saturating G loss through the updated D.

--rng linact draws the initial weights, each epoch's shuffle and each step's noise exactly as
linact-gan does for the same --seed (std::mt19937_64 and the formulas of host/rng.h), so the
two runs see the same numbers and their per-step losses can be compared directly
(--steps-log). --rng torch uses PyTorch's own generator, as a usual PyTorch script would.

After each epoch it writes --samples images generated from fixed N(0, 1) noise as an IDX file
(ubyte, 28x28) in --out, for `linact-gan score --images FILE.idx`.

Usage: torch_gan_reference.py --epochs 10 --seed 1 --out DIR [--threads 2] [--rng linact]
       [--steps-log FILE --max-steps N]
Needs python3-torch and OpenBLAS as the libblas.so.3 alternative (the reference BLAS is ~10x
slower); see bench/README.md.
"""

import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

G_WIDTHS = [100, 128, 256, 512, 784]
D_WIDTHS = [784, 512, 256, 128, 1]
SLOPE = 0.2
MASK64 = (1 << 64) - 1


class Mt19937_64:
    """std::mt19937_64, vectorised with numpy; draw(n) returns the next n outputs (uint64)."""

    N, M = 312, 156
    MATRIX_A = np.uint64(0xB5026F5AA96619E9)
    UPPER = np.uint64(0xFFFFFFFF80000000)
    LOWER = np.uint64(0x7FFFFFFF)

    def __init__(self, seed):
        mt = [seed & MASK64]
        for i in range(1, self.N):
            prev = mt[-1]
            mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK64)
        self.mt = np.array(mt, dtype=np.uint64)
        self.buffer = np.empty(0, dtype=np.uint64)

    def _mix(self, upper_src, lower_src, far):
        y = (upper_src & self.UPPER) | (lower_src & self.LOWER)
        odd = (y & np.uint64(1)).astype(bool)
        out = far ^ (y >> np.uint64(1))
        out[odd] ^= self.MATRIX_A
        return out

    def _twist(self):
        n, m, mt = self.N, self.M, self.mt
        # Each slice reads only words that are already final or not yet rewritten.
        mt[: n - m] = self._mix(mt[: n - m], mt[1 : n - m + 1], mt[m:n])
        mt[n - m : n - 1] = self._mix(mt[n - m : n - 1], mt[n - m + 1 : n], mt[: m - 1])
        mt[n - 1 :] = self._mix(mt[n - 1 :], mt[:1], mt[m - 1 : m])
        y = mt.copy()
        y ^= (y >> np.uint64(29)) & np.uint64(0x5555555555555555)
        y ^= (y << np.uint64(17)) & np.uint64(0x71D67FFFEDA60000)
        y ^= (y << np.uint64(37)) & np.uint64(0xFFF7EEE000000000)
        y ^= y >> np.uint64(43)
        return y

    def draw(self, n):
        parts = [self.buffer]
        have = len(self.buffer)
        while have < n:
            block = self._twist()
            parts.append(block)
            have += len(block)
        allv = np.concatenate(parts)
        self.buffer = allv[n:]
        return allv[:n]


class LinactRng:
    """host/rng.h's formulas on top of Mt19937_64."""

    def __init__(self, seed):
        self.engine = Mt19937_64(seed)

    def uniform(self, low, high, n):
        u = (self.engine.draw(n) >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)
        low, high = np.float32(low), np.float32(high)
        return low + (high - low) * u

    def normal(self, n):
        pairs = (n + 1) // 2
        x = self.engine.draw(2 * pairs).reshape(pairs, 2)
        u1 = ((x[:, 0] >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0**-53
        u2 = (x[:, 1] >> np.uint64(11)).astype(np.float64) * 2.0**-53
        r = np.sqrt(-2.0 * np.log(u1))
        out = np.stack([r * np.cos(2 * math.pi * u2), r * np.sin(2 * math.pi * u2)], axis=1)
        return out.reshape(-1)[:n].astype(np.float32)

    def below(self, n):
        limit = MASK64 - MASK64 % n
        x = int(self.engine.draw(1)[0])
        while x >= limit:
            x = int(self.engine.draw(1)[0])
        return x % n

    def shuffle(self, v):
        for i in range(len(v), 1, -1):
            j = self.below(i)
            v[i - 1], v[j] = v[j], v[i - 1]


def mlp(widths, hidden):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(hidden())
    return layers


def generator():
    return nn.Sequential(*mlp(G_WIDTHS, nn.ReLU), nn.Tanh())


def discriminator():
    return nn.Sequential(*mlp(D_WIDTHS, lambda: nn.LeakyReLU(SLOPE)))


def init_like_linact(net, rng):
    """nn.Linear's bounds, drawn in linact's order: per layer the weights [out, in], then bias."""
    with torch.no_grad():
        for layer in net:
            if isinstance(layer, nn.Linear):
                bound = np.float32(1.0) / np.sqrt(np.float32(layer.in_features))
                w = rng.uniform(-bound, bound, layer.weight.numel())
                b = rng.uniform(-bound, bound, layer.bias.numel())
                layer.weight.copy_(torch.from_numpy(w).view_as(layer.weight))
                layer.bias.copy_(torch.from_numpy(b))


def adam(net, lr):
    """Adam as the runner's: betas (0.5, 0.999), eps 1e-8."""
    return torch.optim.Adam(net.parameters(), lr=lr, betas=(0.5, 0.999), eps=1e-8)


def train_step(G, D, opt_g, opt_d, bce, real, z):
    """One GAN step as the runner's: D on the real batch (target 1) and G(z) (target 0), the sum
    of the two means; then G, non-saturating (target 1), through the updated D. Returns the two
    losses and the D step's logits."""
    n = len(real)
    ones, zeros = torch.ones(n, 1), torch.zeros(n, 1)
    fake = G(z)
    real_logits = D(real)
    fake_logits = D(fake.detach())
    d_loss = bce(real_logits, ones) + bce(fake_logits, zeros)
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()

    g_loss = bce(D(fake), ones)
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    return d_loss, g_loss, real_logits, fake_logits


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 2051:
        sys.exit(f"{path}: magic {magic}, expected 2051 (IDX images)")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * cols)


def write_idx_images(path, images):
    """images: float [n, 784] in [-1, 1], mapped to bytes as linact's unit_to_pixel does."""
    pixels = np.clip(np.rint((images.astype(np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack(">IIII", 2051, len(pixels), 28, 28))
        f.write(pixels.tobytes())
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rng", choices=["linact", "torch"], default="linact")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    p.add_argument("--samples", type=int, default=10000, help="images written per epoch")
    p.add_argument("--out", required=True)
    p.add_argument("--steps-log", help="write every step's losses here (JSON lines)")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    pixels = read_idx_images(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    if a.limit > 0:
        pixels = pixels[: a.limit]
    images = torch.from_numpy(pixels.astype(np.float32) / np.float32(127.5) - np.float32(1.0))
    count = len(images)

    if a.rng == "torch":
        torch.manual_seed(a.seed)
    G, D = generator(), discriminator()
    if a.rng == "linact":
        rng = LinactRng(a.seed)
        init_like_linact(G, rng)
        init_like_linact(D, rng)
        sample_noise = torch.from_numpy(LinactRng((a.seed + 1) ^ 0x9E3779B97F4A7C15).normal(
            a.samples * G_WIDTHS[0])).view(a.samples, G_WIDTHS[0])
    else:
        sample_noise = torch.randn(a.samples, G_WIDTHS[0])
    opt_g, opt_d = adam(G, a.lr), adam(D, a.lr)
    bce = nn.BCEWithLogitsLoss()
    steps_log = open(a.steps_log, "w") if a.steps_log else None
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, rng {a.rng}, "
          f"seed {a.seed}, {count} images", flush=True)

    step = 0
    for epoch in range(1, a.epochs + 1):
        start = time.time()
        if a.rng == "linact":
            order = list(range(count))
            rng.shuffle(order)
            order = torch.tensor(order)
        else:
            order = torch.randperm(count)
        sums = np.zeros(4)
        batches = 0
        for first in range(0, count, a.batch_size):
            real = images[order[first : first + a.batch_size]]
            n = len(real)
            if a.rng == "linact":
                z = torch.from_numpy(rng.normal(n * G_WIDTHS[0])).view(n, G_WIDTHS[0])
            else:
                z = torch.randn(n, G_WIDTHS[0])
            d_loss, g_loss, real_logits, fake_logits = train_step(G, D, opt_g, opt_d, bce, real, z)

            stats = [d_loss.item(), g_loss.item(), torch.sigmoid(real_logits).mean().item(),
                     torch.sigmoid(fake_logits).mean().item()]
            sums += stats
            batches += 1
            step += 1
            if steps_log:
                steps_log.write(json.dumps({"step": step, "d_loss": stats[0], "g_loss": stats[1],
                                            "d_real": stats[2], "d_fake": stats[3]}) + "\n")
            if a.max_steps and step >= a.max_steps:
                break
        with torch.no_grad():
            samples = G(sample_noise).numpy()
        path = os.path.join(a.out, f"torch_epoch_{epoch:03d}.idx")
        write_idx_images(path, samples)
        m = sums / max(batches, 1)
        print(f"epoch {epoch}/{a.epochs} d_loss {m[0]:.4f} g_loss {m[1]:.4f} D(x) {m[2]:.3f} "
              f"D(G(z)) {m[3]:.3f} {time.time() - start:.1f} s -> {path}", flush=True)
        if a.max_steps and step >= a.max_steps:
            break
    if steps_log:
        steps_log.close()


if __name__ == "__main__":
    main()
