"""The CIFAR-10 tutorial (workload 5) in PyTorch for Python, on the same data as the platform's run.

Why it exists: the platform's CIFAR-10 runs on the shared JPEG copy of CIFAR-10 end a little below the
tutorial's published test accuracy (docs/results.md). This script trains the tutorial's model the way
the tutorial does (torchvision's RandomHorizontalFlip and RandomResizedCrop on PIL images, Flax's
LeCun-normal kernels and zero biases, Adam 1e-4 with optax's defaults, batch 128 dropping the
remainder, a 45 000 / 5 000 split with seed 42, 100 epochs) on that same copy, so that the figure it
reaches says how much of the gap is the data and how much would be ours.

Usage: python3 cifar10_tutorial.py CIFAR10_JPG_TAR RESULTS_JSON [--epochs N] [--seed S]
Needs Debian's python3-torch and python3-torchvision (PIL). Prints one line per epoch.
"""
import argparse
import io
import json
import math
import tarfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

from reference import CifarCnn

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def load(tar_path):
    """{split: (uint8 images N x 32 x 32 x 3, int64 labels)} from the image-folder tar, in name order."""
    images = {"train": [], "test": []}
    with tarfile.open(tar_path) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".jpg")),
                         key=lambda m: m.name)
        for m in members:
            split, cls = m.name.split("/")[-3:-1]
            with Image.open(io.BytesIO(tar.extractfile(m).read())) as img:
                images[split].append((np.asarray(img.convert("RGB")), CLASSES.index(cls)))
    return {s: (np.stack([i for i, _ in v]), torch.tensor([c for _, c in v])) for s, v in images.items()}


def lecun_normal_(weight, fan_in):
    # Flax's default kernel init: variance_scaling(1, "fan_in", "truncated_normal"), cut at 2 std.
    std = math.sqrt(1.0 / fan_in) / 0.87962566103423978
    nn.init.trunc_normal_(weight, std=std, a=-2 * std, b=2 * std)


class TutorialCnn(CifarCnn):
    """The benchmark reference's layers with Flax's initialisation, on images this script has already
    augmented (PIL, as torchvision) and normalised."""

    def __init__(self):
        super().__init__()
        for layer, fan_in in ((self.conv1, 27), (self.conv2, 288), (self.hidden, 4096), (self.out, 256)):
            lecun_normal_(layer.weight, fan_in)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        return self.classify(x)


def augment(image):
    """torchvision's RandomHorizontalFlip then RandomResizedCrop((32, 32), scale=(0.8, 1.0),
    ratio=(0.9, 1.1)) on the PIL image: the crop box drawn by torchvision, then the same PIL crop and
    bilinear resize as torchvision's resized_crop (done here without its tensor conversions, which
    took half the epoch)."""
    img = Image.fromarray(image)
    if torch.rand(1) < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    i, j, h, w = transforms.RandomResizedCrop.get_params(img, scale=(0.8, 1.0), ratio=(0.9, 1.1))
    return np.asarray(img.crop((j, i, j + w, i + h)).resize((32, 32), Image.BILINEAR))


def normalize(images):
    """uint8 N x 32 x 32 x 3 -> float N x 3 x 32 x 32, per-channel (x / 255 - mean) / std."""
    x = images.permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


def evaluate(model, x, y, batch=1000):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(y), batch):
            out = model(x[start:start + batch])
            loss += F.cross_entropy(out, y[start:start + batch], reduction="sum").item()
            correct += (out.argmax(1) == y[start:start + batch]).sum().item()
    model.train()
    return loss / len(y), correct / len(y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tar")
    parser.add_argument("results")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    data = load(args.tar)
    train_images, train_labels = data["train"]
    split = torch.randperm(len(train_labels), generator=torch.Generator().manual_seed(42))
    train_idx, val_idx = split[:45_000], split[45_000:]
    as_tensor = lambda images: normalize(torch.from_numpy(images))
    val_x, val_y = as_tensor(train_images[val_idx.numpy()]), train_labels[val_idx]
    test_x, test_y = as_tensor(data["test"][0]), data["test"][1]

    model = TutorialCnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    history = []
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        order = train_idx[torch.randperm(len(train_idx))]
        loss_sum, correct, seen = 0.0, 0, 0
        for start in range(0, len(order) - 127, 128):  # drop the remainder
            idx = order[start:start + 128]
            x = normalize(torch.from_numpy(np.stack([augment(i) for i in train_images[idx.numpy()]])))
            y = train_labels[idx]
            optimizer.zero_grad()
            out = model(x)
            loss = F.cross_entropy(out, y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            seen += len(y)
        seconds = time.perf_counter() - started
        val_loss, val_acc = evaluate(model, val_x, val_y)
        row = {"epoch": epoch, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
               "val_loss": val_loss, "val_accuracy": val_acc, "seconds": seconds}
        if epoch % 10 == 0 or epoch == args.epochs:
            row["test_loss"], row["test_accuracy"] = evaluate(model, test_x, test_y)
        history.append(row)
        print(json.dumps(row), flush=True)
        with open(args.results, "w") as f:
            json.dump({"seed": args.seed, "epochs": args.epochs, "history": history}, f, indent=1)


if __name__ == "__main__":
    main()
