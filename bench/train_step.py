#!/usr/bin/python3
"""PyTorch's side of bench/train-step: the same U-Net (tests/ref/unet.py),
batch and thread count; prints the line bench/train_step.c prints.

usage: train_step.py train|infer FILTERS SIZE BATCH ITERS THREADS"""
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "ref"))
from unet import UNet  # noqa: E402


def main():
    if len(sys.argv) != 7 or sys.argv[1] not in ("train", "infer"):
        print(__doc__, file=sys.stderr)
        return 2
    mode = sys.argv[1]
    f, s, n, iters, t = (int(a) for a in sys.argv[2:])
    torch.set_num_threads(t)
    torch.manual_seed(1)
    m = UNet(3, 4, f, 47, 0.5)
    x = torch.randn(n, 3, s, s)
    y = torch.randint(0, 47, (n, s, s))
    lossf = nn.CrossEntropyLoss(ignore_index=255)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    times = []
    for _ in range(iters + 1):
        t0 = time.perf_counter()
        if mode == "train":
            m.train()
            opt.zero_grad()
            lossf(m(x), y).backward()
            opt.step()
        else:
            m.eval()
            with torch.no_grad():
                m(x)
        times.append(time.perf_counter() - t0)
    times = sorted(times[1:])
    print(f"{mode} filters {f} size {s} batch {n} threads {t} "
          f"images/s {n / times[len(times) // 2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
