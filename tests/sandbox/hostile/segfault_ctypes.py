"""Reads address 0 through ctypes: the run dies of SIGSEGV."""

import ctypes

ctypes.string_at(0)
