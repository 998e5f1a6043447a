#!/usr/bin/env python3
"""The reference for benchmarks/run: each workload's model in PyTorch for Python (Debian's
python3-torch, CPU), trained the way a PyTorch user writes it, on generated in-memory data of the
same shapes, batch size and optimizer as TrainingThroughput.java. Prints samples_per_second=...

    python3 benchmarks/python/reference.py WORKLOAD [WARMUP STEPS] [--threads N] [--foreach]
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# preset, batch size, Adam's learning rate, one sample's shape, classes (0: regression), samples
WORKLOADS = {
    "fashion-mnist": (32, 1e-3, (28, 28), 10, 60_000),
    "forda": (128, 5e-4, (1, 500), 2, 3_601),
    "regression": (400, 1e-3, (1,), 0, 400),
    "cifar10": (128, 1e-4, (3, 32, 32), 10, 45_000),
    "imdb": (128, 1e-4, (200,), 2, 25_000),
}


class FashionMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 128)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        return self.out(F.relu(self.hidden((x / 255.0).flatten(1))))


class FordACnn(nn.Module):
    """3 x [Conv1D 64, kernel 3, same -> LayerNorm over channels (eps 1e-3) -> ReLU], GAP, Dense 2."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(1 if i == 0 else 64, 64, 3, padding=1) for i in range(3)])
        self.norms = nn.ModuleList([nn.LayerNorm(64, eps=1e-3) for _ in range(3)])
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        for conv, norm in zip(self.convs, self.norms):
            x = F.relu(norm(conv(x).transpose(1, 2)).transpose(1, 2))
        return self.out(x.mean(dim=2))


class RegressionMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(1, 10), nn.Linear(10, 10), nn.Linear(10, 10)])
        self.out = nn.Linear(10, 1)
        for layer in [*self.layers, self.out]:
            nn.init.kaiming_normal_(layer.weight)
            nn.init.constant_(layer.bias, 1.0)

    def forward(self, x):
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return self.out(x)


class CifarCnn(nn.Module):
    """Flip and random resized crop (training only, per sample, batched with affine grids), normalise,
    Conv 32 -> ReLU -> avg-pool -> Conv 64 -> ReLU -> avg-pool -> Dense 256 -> ReLU -> Dense 10."""

    MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
    STD = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.hidden = nn.Linear(64 * 8 * 8, 256)
        self.out = nn.Linear(256, 10)

    @staticmethod
    def augment(x):
        n = x.shape[0]
        flip = torch.rand(n) < 0.5
        x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
        # torchvision's RandomResizedCrop box (scale 0.8-1.0, ratio 0.9-1.1 always fits 32x32 here),
        # resampled bilinearly back to 32x32, as one batched grid_sample.
        area = torch.empty(n).uniform_(0.8, 1.0)
        ratio = torch.exp(torch.empty(n).uniform_(math.log(0.9), math.log(1.1)))
        w = torch.sqrt(area * ratio).clamp(max=1.0)
        h = torch.sqrt(area / ratio).clamp(max=1.0)
        cx = (torch.rand(n) * 2 - 1) * (1 - w)
        cy = (torch.rand(n) * 2 - 1) * (1 - h)
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = w
        theta[:, 0, 2] = cx
        theta[:, 1, 1] = h
        theta[:, 1, 2] = cy
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", align_corners=False)

    def forward(self, x):
        if self.training:
            x = self.augment(x)
        return self.classify((x / 255.0 - self.MEAN) / self.STD)

    def classify(self, x):
        """The tutorial's network on normalised images: cifar10_tutorial.py reuses it."""
        x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        return self.out(F.relu(self.hidden(x.flatten(1))))


class ImdbTransformer(nn.Module):
    """Token + position embeddings (20 000 x 32, 200 x 32), one post-norm transformer block (2 heads
    of key size 32 as Keras' MultiHeadAttention(num_heads=2, key_dim=32), feed-forward 32, dropout 0.1,
    eps 1e-6), mean pooling, dropout, Dense 20 ReLU, dropout, Dense 2."""

    def __init__(self, heads=2, dim=32):
        super().__init__()
        self.heads, self.dim = heads, dim
        self.tokens = nn.Embedding(20_000, dim)
        self.positions = nn.Embedding(200, dim)
        self.query = nn.Linear(dim, heads * dim)
        self.key = nn.Linear(dim, heads * dim)
        self.value = nn.Linear(dim, heads * dim)
        self.output = nn.Linear(heads * dim, dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.ff = nn.Linear(dim, 32)
        self.ff_out = nn.Linear(32, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.dropout = nn.Dropout(0.1)
        self.hidden = nn.Linear(dim, 20)
        self.out = nn.Linear(20, 2)

    def forward(self, ids):
        n, t = ids.shape
        x = self.tokens(ids) + self.positions(torch.arange(t))
        split = lambda p: p.view(n, t, self.heads, self.dim).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        attention = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(self.dim), dim=-1) @ v
        attention = self.dropout(self.output(attention.transpose(1, 2).reshape(n, t, self.heads * self.dim)))
        x = self.norm1(x + attention)
        x = self.norm2(x + self.dropout(self.ff_out(F.relu(self.ff(x)))))
        x = self.dropout(x.mean(dim=1))
        return self.out(self.dropout(F.relu(self.hidden(x))))


MODELS = {"fashion-mnist": FashionMlp, "forda": FordACnn, "regression": RegressionMlp,
          "cifar10": CifarCnn, "imdb": ImdbTransformer}


def generate(name, shape, classes, samples, generator):
    if name == "imdb":
        x = torch.randint(1, 20_000, (samples, *shape), generator=generator)
    elif name == "forda":
        x = torch.randn((samples, *shape), generator=generator)
    elif name == "regression":
        x = torch.linspace(0, 5, samples).view(samples, 1)
    else:
        x = torch.randint(0, 256, (samples, *shape), generator=generator).float()
    if classes == 0:
        y = torch.sqrt(x) + torch.sin(x) + 0.2 * torch.randn(x.shape, generator=generator)
    else:
        y = torch.randint(0, classes, (samples,), generator=generator)
    return x, y


def measure(name, warmup, steps, foreach):
    batch, lr, shape, classes, samples = WORKLOADS[name]
    generator = torch.Generator().manual_seed(42)
    x, y = generate(name, shape, classes, samples, generator)
    model = MODELS[name]()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7, foreach=foreach)
    loss_fn = nn.MSELoss() if classes == 0 else nn.CrossEntropyLoss()
    batches, started = 0, None
    while True:
        order = torch.randperm(samples, generator=generator)
        running_loss, correct = 0.0, 0
        for start in range(0, samples - batch + 1, batch):  # drop the remainder
            idx = order[start:start + batch]
            inputs, labels = x[idx], y[idx]
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_fn(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if classes:
                correct += (outputs.argmax(dim=1) == labels).sum().item()
            batches += 1
            if batches == warmup:
                started = time.perf_counter()
            elif batches == warmup + steps:
                return steps * batch / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("warmup", nargs="?", type=int, default=20)
    parser.add_argument("steps", nargs="?", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    # Adam's multi-tensor implementation (one call per operation for all parameters); PyTorch 1.13
    # uses the per-parameter loop on CPU unless asked.
    parser.add_argument("--foreach", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    print("samples_per_second=%.1f" % measure(args.workload, args.warmup, args.steps, args.foreach))


if __name__ == "__main__":
    main()
