"""The answers' outcomes as the host and participant screens name them.

English shows the hub's own words (`pass`, `fail`, ...), as the results files and
`quiz host --headless` do; another language shows its translation.
"""

from __future__ import annotations

from quiz.i18n import N_, _

OUTCOME_NAMES = {
    "pass": N_("pass"),
    "fail": N_("fail"),
    "error": N_("error"),
    "timeout": N_("timeout"),
    "no-answer": N_("no-answer"),
}


def outcome_counts(counts: dict[str, int], sep: str = "  ") -> str:
    """ "pass 3  fail 1": the reveal's counts in the app's language, zeros left out."""
    return sep.join(f"{_(OUTCOME_NAMES.get(k, k))} {v}" for k, v in counts.items() if v)
