"""Pre-creates the names the next runs' scratch folders may get, and leaves a file beside its
own folder for the next run to read."""

import os

root = os.path.dirname(os.getcwd())
made = 0
for n in range(1, 400):
    for name in (f"run-{n}", f"@MARKER@-{n}"):
        try:
            os.mkdir(os.path.join(root, name))
            made += 1
        except OSError:
            pass
try:
    with open(os.path.join(root, "@MARKER@"), "w") as f:
        f.write("left for the next run")
    made += 1
except OSError:
    pass
print("squatted", made)
