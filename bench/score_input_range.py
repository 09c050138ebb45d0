#!/usr/bin/env python3
"""How much the quality score depends on the pixel range its classifier was trained on.

Trains the score's classifier (784-256-128-10 ReLU, nn.Linear's initialisation, Adam lr 1e-3,
batch 128, 8 epochs, the recipe of host/score.h) in PyTorch once per --seeds and per input range:
`unit` feeds value / 255 in [0, 1] (what linact-gan uses), `signed` feeds value / 127.5 - 1 in
[-1, 1] (the GAN's own range). Each classifier then scores the given IDX image files (e.g.
written by `linact-gan sample`) and uniform noise in [-1, 1] of the GAN's pixel space, with the
Frechet distance on the 128-d penultimate features against the 10000 test images, and prints
each score and its ratio to the noise score.

Usage: score_input_range.py [--seeds 1 2 3] [--ranges unit signed] FILE.idx [...]
Needs python3-torch and python3-numpy.
"""

import argparse
import gzip
import os
import struct

import numpy as np
import torch
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        if (rows, cols) != (28, 28) or len(data) != 16 + count * 28 * 28:
            raise SystemExit(f"{path}: {count} images of {rows}x{cols} in {len(data)} bytes; "
                             "give 28x28 ubyte images")
        return np.frombuffer(data[16:], np.uint8).reshape(count, 28 * 28)
    if magic == 2049:
        return np.frombuffer(data[8:], np.uint8)
    raise SystemExit(f"{path}: magic {magic} is neither IDX images (2051) nor labels (2049)")


def gaussian(features):
    f = features.astype(np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def frechet(a, b):
    (m1, s1), (m2, s2) = a, b
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = root1 @ s2 @ root1
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(0.5 * (middle + middle.T)), 0, None)).sum()
    return float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * trace_root)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("images", nargs="+", help="IDX image files (ubyte, 28x28)")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--ranges", nargs="+", choices=["unit", "signed"], default=["unit", "signed"])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    train_x = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    train_y = torch.tensor(read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(
        np.int64))
    test_x = read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"))
    test_y = read_idx(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz"))
    generated = {path: read_idx(path) for path in a.images}
    noise = np.random.default_rng(12345).uniform(-1, 1, (10000, 28 * 28)).astype(np.float32)

    for input_range in a.ranges:
        # Pixels in the GAN's [-1, 1] to what this classifier reads.
        def prepare(signed):
            return torch.tensor(signed if input_range == "signed" else (signed + 1) / 2)

        def signed(u8):
            return u8.astype(np.float32) / 127.5 - 1

        for seed in a.seeds:
            torch.manual_seed(seed)
            net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                nn.Linear(128, 10))
            opt = torch.optim.Adam(net.parameters(), 1e-3)
            x = prepare(signed(train_x))
            for _ in range(a.epochs):
                order = torch.randperm(len(x))
                for first in range(0, len(x), 128):
                    rows = order[first:first + 128]
                    loss = nn.functional.cross_entropy(net(x[rows]), train_y[rows])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
            with torch.no_grad():
                accuracy = (net(prepare(signed(test_x))).argmax(1).numpy() == test_y).mean()

                def features(pixels):
                    return gaussian(net[:4](prepare(pixels)).numpy())

                test = features(signed(test_x))
                floor = frechet(features(signed(train_x[:10000])), test)
                noise_score = frechet(features(noise), test)
                print(f"{input_range} seed {seed}: test accuracy {100 * accuracy:.2f}% "
                      f"floor {floor:.3f} noise {noise_score:.1f}")
                for path, images in generated.items():
                    score = frechet(features(signed(images)), test)
                    print(f"  {path} score {score:.1f} = {score / noise_score:.3f} of noise",
                          flush=True)


if __name__ == "__main__":
    main()
