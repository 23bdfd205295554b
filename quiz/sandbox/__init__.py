"""The sandbox: the only place that runs card or learner code, and the only place torch is imported.

Importing this package must never import torch: only the worker processes it starts do.
"""
