#!/usr/bin/python3
"""PyTorch's side of bench/time-to-accuracy: unet-train's recipe, read from
the state of one of its runs, trained by PyTorch on the same stream.

usage: time_to_accuracy.py STATE BUDGET BATCHES TRAIN_SHARDS VAL_SHARDS

STATE is the resumable state (state.safetensors) of a finished unet-train
run: its recipe (network, batch size, seed, augmentation, steps per epoch,
rate, schedule and its length, loss, average of the weights) is the one
trained here. BATCHES is build/bench/batches, which writes the initial
weights unet-train started from and the very batches of its steps.
TRAIN_SHARDS and VAL_SHARDS are colon-separated shard lists. The model
(tests/ref/unet.py) trains with Adam and PyTorch's own schedulers
(OneCycleLR, LinearLR, CosineAnnealingLR: the rates unet-train's log
shows, tests/unet-train.bats checks it) on 2 threads, and is validated
after each epoch as unet-train validates: mean IoU of the categories
present in truth or prediction over one confusion matrix of every
validation pixel. Stops after the recipe's epochs or the first epoch that
ends past BUDGET seconds. Prints one TSV row per epoch:
epoch, step, seconds (since training started, validation included),
train_loss, val_miou.
"""
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "ref"))
from unet import UNet, read_safetensors, recipe_loss  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def recipe(meta):
    """The recipe of a state's __metadata__, with the defaults a state
    leaves out (imatseg-checkpoint(5))."""
    flip, scale, bright, contrast = meta["augment"].split()
    aug = [a for a, on in (("flip", flip == "1"),
                           (f"scale={scale}", float(scale) not in (0, 1)),
                           (f"brightness={bright}", float(bright) > 0),
                           (f"contrast={contrast}", float(contrast) > 0)) if on]
    r = {
        "filters": int(meta["filters"]), "depth": int(meta["depth"]),
        "classes": int(meta["classes"]), "dropout": float(meta["dropout"]),
        "batch": int(meta["batch"]), "seed": int(meta["seed"]),
        "steps": int(meta["steps_per_epoch"]),
        "augment": ",".join(aug) or "none",
        "schedule": meta.get("lr_schedule", "constant"),
        "lr": float(meta.get("lr", meta["adam_lr"])),
        "warmup": int(meta.get("warmup", "0")),
        "loss": meta.get("loss", "ce"),
        "ema": float(meta.get("ema", "0")),
        "class_weights": meta["class_weights"],
    }
    total = int(meta.get("schedule_steps", "0"))
    r["epochs"] = total // r["steps"] if total else int(meta["epoch"])
    r["total"] = r["epochs"] * r["steps"]
    if r["class_weights"] != "none" or r["dropout"] != 0 or \
            r["depth"] != 4 or r["classes"] != 47:
        sys.exit("time_to_accuracy.py: only the demo's network (depth 4, "
                 "47 classes, no dropout) and no class weights")
    return r


def scheduler(opt, r):
    """PyTorch's scheduler of unet-train --lr-schedule, --warmup."""
    S = torch.optim.lr_scheduler
    w, total = r["warmup"], r["total"]
    if r["schedule"] == "onecycle":
        return S.OneCycleLR(opt, max_lr=r["lr"], total_steps=total,
                            cycle_momentum=False)
    rise = [S.LinearLR(opt, 1 / w, 1, max(w - 1, 0))] if w > 0 else []
    if r["schedule"] == "cosine":
        cos = S.CosineAnnealingLR(opt, max(total - w, 1))
        return S.SequentialLR(opt, rise + [cos], [w]) if rise else cos
    return rise[0] if rise else S.LambdaLR(opt, lambda t: 1)


def shards(paths):
    """Every sample of the shards in order: photos x[n][3][S][S]
    normalised as augment.h does, labels y[n][S][S]."""
    xs, ys = [], []
    for path in paths:
        with tarfile.open(path) as t:
            for m in t.getmembers():
                if not m.name.endswith(".ppm"):
                    continue
                key = m.name[:-4]
                xs.append(read_pnm(t.extractfile(m).read()))
                ys.append(read_pnm(t.extractfile(key + ".pgm").read()))
    x = (np.stack(xs).astype(np.float32) / 255 - MEAN) / STD
    return (torch.from_numpy(x.transpose(0, 3, 1, 2).copy()),
            torch.from_numpy(np.stack(ys).astype(np.int64)))


def read_pnm(b):
    """Binary P5/P6 with maxval 255, as imatseg-shard(5) writes them."""
    f = io.BytesIO(b)
    magic, dims, _ = f.readline(), f.readline().split(), f.readline()
    w, h = int(dims[0]), int(dims[1])
    a = np.frombuffer(f.read(), np.uint8)
    return a.reshape(h, w, 3) if magic.strip() == b"P6" else a.reshape(h, w)


def mean_iou(model, x, y, k, batch):
    conf = np.zeros((k, k), np.int64)
    model.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            pred = model(x[i:i + batch]).argmax(1).numpy().ravel()
            t = y[i:i + batch].numpy().ravel()
            v = t != 255
            conf += np.bincount(t[v] * k + pred[v],
                                minlength=k * k).reshape(k, k)
    inter = np.diag(conf)[1:]
    union = (conf.sum(0) + conf.sum(1))[1:] - inter
    return float((inter[union > 0] / union[union > 0]).mean()) \
        if (union > 0).any() else 0.0


class Average:
    """unet-train --ema: decay min(d, (1 + t) / (10 + t)) at update t,
    over the parameters and the running statistics."""

    def __init__(self, model, decay):
        self.decay, self.t = decay, 0
        self.model = UNet(3, 4, model.head.in_channels, 47, 0)  # a copy
        self.model.load_state_dict(model.state_dict())

    def update(self, model):
        self.t += 1
        d = min(self.decay, (1 + self.t) / (10 + self.t))
        live = model.state_dict()
        with torch.no_grad():
            for name, v in self.model.state_dict().items():
                if v.dtype.is_floating_point:
                    v.mul_(d).add_(live[name], alpha=1 - d)
                else:
                    v.copy_(live[name])


def batches(stream, n_steps, side):
    """The helper's batches: n as int32, x float32, y uint8."""
    for _ in range(n_steps):
        n = int.from_bytes(stream.read(4), "little", signed=True)
        x = np.frombuffer(stream.read(n * 3 * side * side * 4), np.float32)
        y = np.frombuffer(stream.read(n * side * side), np.uint8)
        yield (torch.from_numpy(x.reshape(n, 3, side, side).copy()),
               torch.from_numpy(y.reshape(n, side, side).astype(np.int64)))


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    state, budget, helper = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    train, val = sys.argv[4].split(":"), sys.argv[5].split(":")
    warnings.simplefilter("ignore")
    torch.set_num_threads(2)
    _, meta = read_safetensors(state)
    r = recipe(meta)
    vx, vy = shards(val)
    with tempfile.TemporaryDirectory() as tmp:
        init = os.path.join(tmp, "init.safetensors")
        feed = subprocess.Popen(
            [helper, init, str(r["total"]), str(r["batch"]), str(r["seed"]),
             r["augment"], str(r["filters"])] + train,
            stdout=subprocess.PIPE)
        # the helper writes the initial weights before any batch
        first = feed.stdout.peek(4)
        if not first:
            return 1
        model = UNet.from_checkpoint(init)
    opt = torch.optim.Adam(model.parameters(), lr=r["lr"])
    sched = scheduler(opt, r)
    lossf = recipe_loss(r["loss"], None)
    avg = Average(model, r["ema"]) if r["ema"] > 0 else None
    print("epoch\tstep\tseconds\ttrain_loss\tval_miou", flush=True)
    stream = batches(feed.stdout, r["total"], int(meta["size"]))
    t0, step = time.perf_counter(), 0
    for epoch in range(1, r["epochs"] + 1):
        model.train()
        lsum = nimg = 0
        for _ in range(r["steps"]):
            x, y = next(stream)
            opt.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            if avg is not None:
                avg.update(model)
            lsum += loss.item() * len(x)
            nimg += len(x)
            step += 1
        miou = mean_iou(avg.model if avg else model, vx, vy, 47, r["batch"])
        sec = time.perf_counter() - t0
        print(f"{epoch}\t{step}\t{sec:.3f}\t{lsum / nimg:.6g}\t{miou:.6g}",
              flush=True)
        if sec > budget:
            break
    feed.kill()
    feed.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
