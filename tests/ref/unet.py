#!/usr/bin/python3
"""The imatseg U-Net in PyTorch, and the cross-check of our C engine.

    unet.py check DIR    compare with what build/ref/unet_case wrote in DIR
    unet.py load FILE    load one of our checkpoints into this module
    unet.py close A B    every tensor of checkpoint A near B's (see close)
    unet.py same A B     every tensor of checkpoint A the bytes of B's

The module's state_dict names and shapes are those of our checkpoints, so
`UNet.from_checkpoint(path)` is all a PyTorch user needs. The check exits 1,
with one line per mismatch, when anything disagrees; it prints "ok" lines
only for comparisons that passed.
"""
import json
import re
import struct
import sys

import numpy as np
import torch
import torch.nn as nn


def read_safetensors(path):
    """(tensors, metadata) of a safetensors file; F32 and I64 only."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "I64": np.int64}
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        a = np.frombuffer(buf, dtype=dtypes[t["dtype"]], count=(e - b) //
                          np.dtype(dtypes[t["dtype"]]).itemsize,
                          offset=8 + n + b)
        out[name] = torch.from_numpy(a.copy().reshape(t["shape"]))
    return out, meta


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(x)))


class UNet(nn.Module):
    def __init__(self, in_channels=3, depth=4, filters=16, classes=47,
                 dropout=0.5):
        super().__init__()
        f = filters
        self.down = nn.ModuleList(
            [Block(in_channels if l == 0 else f << (l - 1), f << l)
             for l in range(depth)])
        self.bottom = Block(f << (depth - 1), f << depth)
        self.drop = nn.Dropout(dropout)
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(f << (l + 1), f << l, 2, stride=2)
             for l in range(depth)])
        self.upblock = nn.ModuleList(
            [Block(2 * (f << l), f << l) for l in range(depth)])
        self.head = nn.Conv2d(f, classes, 1)

    def forward(self, x):
        skips = []
        for b in self.down:
            x = b(x)
            skips.append(x)
            x = torch.max_pool2d(x, 2)
        x = self.drop(self.bottom(x))
        for l in reversed(range(len(self.up))):
            x = self.upblock[l](torch.cat([skips[l], self.up[l](x)], 1))
        return self.head(x)

    @staticmethod
    def from_checkpoint(path):
        tensors, meta = read_safetensors(path)
        m = UNet(int(meta["in_channels"]), int(meta["depth"]),
                 int(meta["filters"]), int(meta["classes"]),
                 float(meta["dropout"]))
        m.load_state_dict({k: v for k, v in tensors.items()
                           if not k.startswith("optim.")})
        return m


def dice_loss(logits, y):
    """Soft Dice over the categories present (labels 1.. with a truth
    pixel; 255 ignored), as common/nn/loss.c computes it."""
    k = logits.shape[1]
    valid = (y != 255)
    p = torch.softmax(logits, 1) * valid[:, None]
    g = nn.functional.one_hot(torch.where(valid, y, 0), k).permute(
        0, 3, 1, 2).to(p.dtype) * valid[:, None]
    inter, psum, gsum = (p * g).sum((0, 2, 3)), p.sum((0, 2, 3)), \
        g.sum((0, 2, 3))
    present = gsum > 0
    present[0] = False
    if not present.any():
        return logits.sum() * 0
    return 1 - (2 * inter[present] / (psum[present] + gsum[present])).mean()


def recipe_loss(name, weights):
    """The loss of unet-train --loss NAME."""
    ce = nn.CrossEntropyLoss(weight=weights, ignore_index=255)
    return {"ce": ce, "dice": dice_loss,
            "ce+dice": lambda z, y: ce(z, y) + dice_loss(z, y)}[name]


class Checker:
    def __init__(self):
        self.failed = 0

    def close(self, what, ours, theirs, tol, floor=1e-12):
        ours = ours.detach().double()
        theirs = theirs.detach().double()
        if ours.shape != theirs.shape:
            print(f"not ok: {what}: shape {tuple(ours.shape)} vs "
                  f"{tuple(theirs.shape)}")
            self.failed += 1
            return
        scale = max(theirs.abs().max().item(), floor)
        err = (ours - theirs).abs().max().item() / scale
        if not err <= tol:
            print(f"not ok: {what}: max difference {err:.3g} of the "
                  f"scale {scale:.3g} (tolerance {tol:g})")
            self.failed += 1
        else:
            print(f"ok: {what} ({err:.2g})")


def bias_floor(name, tensors):
    """A convolution bias before a training-mode batch norm has gradient 0
    in exact arithmetic: its gradients, and what Adam makes of them, are
    round-off, measured on the scale of the layer's weight. So is the
    running mean of the batch norm after it, which holds the bias."""
    m = re.match(r"(.*\.)(conv(\d)\.bias|bn(\d)\.running_mean)$", name)
    if m is None:
        return None
    w = m.group(1) + "conv" + (m.group(3) or m.group(4)) + ".weight"
    return tensors[w].abs().max().item()


def check(d):
    torch.manual_seed(0)
    init, meta = read_safetensors(f"{d}/init.safetensors")
    batch, bmeta = read_safetensors(f"{d}/batch.safetensors")
    step0, _ = read_safetensors(f"{d}/step0.safetensors")
    final, _ = read_safetensors(f"{d}/final.safetensors")
    evl, _ = read_safetensors(f"{d}/eval.safetensors")
    m = UNet.from_checkpoint(f"{d}/init.safetensors")
    m.train()
    x, y = batch["x"], batch["y"].long()
    lossf = recipe_loss(bmeta.get("loss", "ce"), batch["class_weights"])
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, weight_decay=1e-4)
    c = Checker()
    steps = 5
    for s in range(steps):
        opt.zero_grad()
        logits = m(x)
        loss = lossf(logits, y)
        loss.backward()
        if s == 0:
            c.close("logits", step0["logits"], logits, 1e-4)
            c.close("loss", step0["loss"].reshape(()), loss, 1e-5)
            grads = dict(m.named_parameters())
            for name, p in m.named_parameters():
                floor = bias_floor(name, {k: v.grad for k, v in
                                          grads.items()})
                c.close(f"grad {name}", step0[f"grad.{name}"], p.grad, 1e-3,
                        floor or 1e-12)
        opt.step()
    sd = m.state_dict()
    for name, v in sd.items():
        if v.dtype == torch.int64:
            if final[name].item() != v.item():
                print(f"not ok: {name}: {final[name].item()} vs {v.item()}")
                c.failed += 1
            continue
        c.close(f"after {steps} steps {name}", final[name], v, 1e-3)
    m.eval()
    with torch.no_grad():
        c.close("inference logits", evl["logits"], m(x), 1e-4)
    if c.failed:
        print(f"FAILED: {c.failed} comparisons disagree")
        return 1
    return 0


def close(a, b):
    """Every tensor of checkpoint a within 1e-4 of b's on the scale of
    b's, as two runs that differ in float rounding only should be (one
    process of batch 2b against two of batch b with --sync-bn), but for
    what rounding alone decides. A convolution bias before a batch norm
    has a gradient of round-off (about 1e-8 here, Adam's eps), which Adam
    turns into steps of up to lr in a direction the rounding picks; the
    running mean of the batch norm after it holds the batch means of the
    convolution's outputs, bias included, and walks with it. Both on the
    scale of the layer's weight, within 5e-3 (a few steps of lr 1e-3:
    measured up to 2e-3 after 4 steps; the running means differ by 1e-2
    to 1 without --sync-bn, the weights by 1e-2)."""
    ta, _ = read_safetensors(a)
    tb, _ = read_safetensors(b)
    c = Checker()
    if sorted(ta) != sorted(tb):
        print(f"not ok: {a} and {b} hold different tensors")
        return 1
    for name in sorted(tb):
        if tb[name].dtype == torch.int64:
            if ta[name].item() != tb[name].item():
                print(f"not ok: {name}: {ta[name].item()} vs "
                      f"{tb[name].item()}")
                c.failed += 1
            continue
        floor = bias_floor(name, tb)
        c.close(name, ta[name], tb[name], 1e-4 if floor is None else 5e-3,
                floor or 1e-12)
    return 1 if c.failed else 0


def same(a, b):
    """The tensors of checkpoints a and b, name by name, byte by byte."""
    ta, _ = read_safetensors(a)
    tb, _ = read_safetensors(b)
    bad = sorted(n for n in set(ta) | set(tb) if n not in ta or n not in tb
                 or not torch.equal(ta[n], tb[n]))
    for n in bad:
        print(f"not ok: {n} differs")
    return 1 if bad else 0


def main():
    torch.set_num_threads(1)
    if len(sys.argv) == 4 and sys.argv[1] == "same":
        return same(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 4 and sys.argv[1] == "close":
        return close(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        return check(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "load":
        m = UNet.from_checkpoint(sys.argv[2])
        print(sum(p.numel() for p in m.parameters()), "parameters")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
