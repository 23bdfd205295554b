"""The Textual study app: screens, widgets and the thin glue between them and the core.

Importing this package must stay cheap and must never import torch: only sandbox workers do.
"""
