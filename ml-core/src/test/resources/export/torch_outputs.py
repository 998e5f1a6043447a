"""Runs an exported model in PyTorch, as a user of the file would: python3 torch_outputs.py MODEL INPUTS SHAPE OUT.

INPUTS holds float32 values (little-endian) of a batch of SHAPE (comma-separated, batch axis first);
the model's outputs are written to OUT the same way, after a line-free header-less dump.
"""
import sys

import numpy as np
import torch

model_file, inputs_file, shape, outputs_file = sys.argv[1:5]
model = torch.jit.load(model_file)
model.eval()
x = torch.from_numpy(np.fromfile(inputs_file, dtype="<f4").reshape([int(d) for d in shape.split(",")]))
with torch.no_grad():
    y = model(x)
y.numpy().astype("<f4").tofile(outputs_file)
print(torch.__version__, tuple(y.shape))
