"""A wrong answer that writes a passing report on the report fd itself, then leaves."""

import json
import os

report = {
    "status": "ok",
    "exception": None,
    "traceback": None,
    "segment": None,
    "values": [],
    "notes": [],
}
os.write(3, (json.dumps({"report": report, "token": None}) + "\n").encode())
os._exit(0)
