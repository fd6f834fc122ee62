#!/usr/bin/python3
"""The scaling model of unet-train(1) (SCALING): images per second and
efficiency of data-parallel training on N machines, from the compute
time of one image on one machine (measured: bench/mpi prints it) and a
ring all-reduce of the gradients over a network of B bit/s and latency
ALPHA per message.

  step(N)    = b t + exposed(N)             (t: seconds per image, b: batch
                                             per rank)
  ring(N)    = 2 (N-1)/N S/B + 2 (N-1) k ALPHA   (S gradient bytes, k
                                             buckets of BUCKET bytes)
  syncbn(N)  = 3 L 2 ceil(log2 N) ALPHA     (--sync-bn: 3 small sums per
                                             batch norm, L of them, not
                                             overlapped)
  exposed(N) = ring(N) (no overlap: the bound; overlap hides part of it)
  images/s   = N b / step(N),  efficiency = b t / step(N)

usage: mpi_model.py T16_256 T32_256 T16_512 T32_512 [BATCH [BUCKET_MB]]
  (seconds per image of filters 16 and 32 at 256 and 512; BATCH per rank,
  default 8; BUCKET_MB, default 1, unet-train's)"""
import math
import sys

ALPHA = 25e-6           # s per message: MPI over TCP on 10-25 GbE
PARAMS = {16: 1944831, 32: 7767503}     # the U-Net's, depth 4, 47 classes
BN_LAYERS = 18          # two per block, nine blocks at depth 4


def ring(n, s, bw, k):
    return 2 * (n - 1) / n * s / bw + 2 * (n - 1) * k * ALPHA


def row(f, size, t, b, bucket, syncbn):
    s = 4 * PARAMS[f]
    k = math.ceil(s / bucket)
    cells = []
    for gbit in (10, 25):
        for n in (2, 8, 32, 128):
            exp = ring(n, s, gbit * 1e9 / 8, k)
            if syncbn:
                exp += 3 * BN_LAYERS * 2 * math.ceil(math.log2(n)) * ALPHA
            step = b * t + exp
            cells.append(f"{n * b / step:7.1f} {100 * b * t / step:3.0f}%")
    return f"F{f:<2d} {size}  " + " ".join(cells)


def main():
    if len(sys.argv) not in (5, 6, 7):
        print(__doc__, file=sys.stderr)
        return 2
    t = [float(a) for a in sys.argv[1:5]]
    b = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    bucket = float(sys.argv[6]) * 1048576 if len(sys.argv) > 6 else 1048576
    print(f"# images/s and efficiency, per-rank batch {b}, "
          f"{bucket / 1048576:g} MiB buckets, ring all-reduce, "
          f"{ALPHA * 1e6:g} us a message, no overlap (a bound)")
    print("         " + " ".join(f"{g:>2d}G N={n:<3d}    " for g in (10, 25)
                                  for n in (2, 8, 32, 128)))
    for (f, size), ti in zip(((16, 256), (32, 256), (16, 512), (32, 512)), t):
        print(row(f, size, ti, b, bucket, False))
    print("# the same with --sync-bn")
    for (f, size), ti in zip(((16, 256), (32, 256), (16, 512), (32, 512)), t):
        print(row(f, size, ti, b, bucket, True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
