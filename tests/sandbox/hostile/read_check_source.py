"""A wrong answer that looks for its check's source in memory before the check runs."""

import gc
import linecache
import sys

needle = "zq" + "@TOKEN@"  # the check holds this; the answer's own source never does, whole
found = "<check>" in linecache.cache
frame = sys._getframe()
while frame is not None:
    found = found or any(
        isinstance(v, str) and v is not needle and needle in v for v in frame.f_locals.values()
    )
    frame = frame.f_back
wanted = needle.encode()
for o in gc.get_objects():
    text = isinstance(o, str) and o is not needle and needle in o
    if text or (isinstance(o, bytes) and wanted in o):
        found = True
print("check source found" if found else "check source not in memory")
