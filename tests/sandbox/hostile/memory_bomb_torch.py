"""Fills memory with tensors until torch's allocator fails: status `memory`, not a crash."""

import torch

tensors = []
while True:
    tensors.append(torch.ones(4 * 1024 * 1024))
