"""One browser participant: the participant app as `quiz host --web` starts it for each browser
session (textual-serve drives it through its web driver). It never imports torch or the sandbox.

Told by the web server through the environment: the hub on loopback (`QUIZ_WEB_HUB`), the join
code (`QUIZ_WEB_CODE`, so the browser asks only for a name), the seat's token file
(`QUIZ_WEB_SEAT_FILE`, which brings a reloaded page back into its seat) and the deck language.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from quiz.i18n import set_language
from quiz.tui.peer.join_app import JoinApp
from quiz.tui.peer.join_hooks import WebHooks


def main() -> int:
    try:
        hub = os.environ["QUIZ_WEB_HUB"]
        code = os.environ["QUIZ_WEB_CODE"]
        seat_file = Path(os.environ["QUIZ_WEB_SEAT_FILE"])
    except KeyError as missing:
        print(f"quiz: {missing} is not set: `quiz host --web` starts this", file=sys.stderr)
        return 2
    # textual-serve copies a seat's stderr onto the host's terminal, under the host's screen.
    log = os.open(seat_file.with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 2)
    os.close(log)
    lang = os.environ.get("QUIZ_WEB_LANG") or None
    set_language(lang)  # the host's language, for the app's own text too
    app = JoinApp(
        hub,
        code=code,
        lang=lang,
        hooks=WebHooks(seat_file, code),
    )
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
