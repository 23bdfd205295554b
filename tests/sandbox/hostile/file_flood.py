"""Fills its scratch folder with as many files (and folders) as it can: the removal of what it
leaves must neither fail nor hold up the runs after it."""

import os

made = 0
try:
    while True:
        folder = f"d{made // 1000}"
        if made % 1000 == 0:
            os.mkdir(folder)
        with open(os.path.join(folder, str(made)), "w") as f:
            f.write("x")
        made += 1
except OSError as exc:
    print(f"stopped after {made} files: {type(exc).__name__}")
