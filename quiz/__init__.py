"""quiz: spaced repetition for PyTorch's nn.Module machinery, answers checked by execution."""

__version__ = "0.1.0"
