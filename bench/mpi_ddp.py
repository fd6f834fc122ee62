#!/usr/bin/python3
"""PyTorch's side of bench/mpi: the same U-Net (tests/ref/unet.py) under
DistributedDataParallel with the gloo backend (PyTorch's CPU backend) on
RANKS processes over loopback TCP, batch and threads as given; prints the
line build/bench/mpi_step prints, for the numbers both measure:

  ranks R filters F size S batch B threads T params P bucket_mb 25
  step_s X plain_step_s X reduce_ms X exposed_ms X

step_s: a DDP step (forward, loss, backward with DDP's bucketed all-reduce
overlapping it); plain_step_s: the same without DDP (nothing summed);
reduce_ms: dist.all_reduce of a flat tensor of all the gradients, alone;
exposed_ms: step_s - plain_step_s, what the all-reduce adds to a step.
Steps alternate between the two, medians of ITERS after one warm-up each;
no optimiser step, as mpi_step.

usage: mpi_ddp.py RANKS FILTERS SIZE BATCH ITERS THREADS"""
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "ref"))
from unet import UNet  # noqa: E402


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def step(m, x, y, lossf):
    dist.barrier()
    t0 = time.perf_counter()
    m.zero_grad()
    lossf(m(x), y).backward()
    return time.perf_counter() - t0


def worker(rank, ranks, f, s, n, iters, t, port):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=ranks)
    torch.set_num_threads(t)
    torch.manual_seed(1)
    plain = UNet(3, 4, f, 47, 0.0)
    ddp = DDP(UNet(3, 4, f, 47, 0.0))
    torch.manual_seed(2 + rank)
    x = torch.randn(n, 3, s, s)
    y = torch.randint(0, 47, (n, s, s))
    lossf = nn.CrossEntropyLoss(ignore_index=255)
    plain.train()
    ddp.train()
    step(ddp, x, y, lossf)
    step(plain, x, y, lossf)
    sd, sp = [], []
    for _ in range(iters):
        sd.append(step(ddp, x, y, lossf))
        sp.append(step(plain, x, y, lossf))
    nparams = sum(p.numel() for p in plain.parameters())
    flat = torch.randn(nparams)
    red = []
    for _ in range(iters):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(flat)
        red.append(time.perf_counter() - t0)
    if rank == 0:
        d, p = median(sd), median(sp)
        print(f"ranks {ranks} filters {f} size {s} batch {n} threads {t} "
              f"params {nparams} bucket_mb 25 step_s {d:.3f} "
              f"plain_step_s {p:.3f} reduce_ms {median(red) * 1e3:.2f} "
              f"exposed_ms {(d - p) * 1e3:.2f}", flush=True)
    dist.destroy_process_group()


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    ranks, f, s, n, iters, t = (int(a) for a in sys.argv[1:])
    port = 29500 + os.getpid() % 1000
    mp.spawn(worker, args=(ranks, f, s, n, iters, t, port), nprocs=ranks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
