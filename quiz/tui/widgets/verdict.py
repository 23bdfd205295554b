"""Verdict: pass or fail, the learner's answer beside the truth, the traceback, explain and refs."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Markdown, Static

from quiz.i18n import N_, _
from quiz.outcome import Outcome
from quiz.sandbox.protocol import RunResult
from quiz.tui.markdown import DeckMarkdown
from quiz.tui.widgets.run_output import describe_run

_HEADLINES = {
    Outcome.PASS: (N_("✓ Correct"), "$text-success"),
    Outcome.FAIL: (N_("✗ Not quite"), "$text-error"),
    Outcome.ERROR: (N_("✗ The code raised"), "$text-error"),
    Outcome.TIMEOUT: (N_("✗ Timed out"), "$text-error"),
    Outcome.SELF_GRADED: (N_("How well did you remember it?"), "$text-primary"),
}


@dataclass(frozen=True)
class VerdictView:
    """Everything the panel shows, already in the learner's language."""

    outcome: Outcome
    given: str | None = None
    truth: str | None = None
    detail: str | None = None
    run: RunResult | None = None
    explain: str | None = None
    refs: Sequence[str] = ()
    show_answers: bool = True


def diff_lines(given: str, truth: str) -> Content:
    """A line diff from the learner's answer to the truth: `-` theirs, `+` the truth."""
    out: list[Content] = []
    for line in difflib.ndiff(given.splitlines(), truth.splitlines()):
        tag, body = line[:2], line[2:]
        if tag == "- ":
            out.append(Content.styled(f"- {body}", "$text-error"))
        elif tag == "+ ":
            out.append(Content.styled(f"+ {body}", "$text-success"))
        elif tag == "  ":
            out.append(Content(f"  {body}"))
    return Content("\n").join(out)


class Verdict(Vertical):
    DEFAULT_CSS = """
    Verdict { height: auto; padding: 0 1; display: none; }
    Verdict.-shown { display: block; }
    Verdict > #verdict-headline { text-style: bold; margin: 1 0 0 0; }
    Verdict > #verdict-sides { height: auto; }
    Verdict > #verdict-sides > Static {
        width: 1fr; height: auto; border: round $secondary; padding: 0 1;
    }
    Verdict > #verdict-diff { border: round $secondary; padding: 0 1; }
    Verdict > #verdict-detail { color: $text-muted; }
    Verdict > #verdict-run { border-left: outer $error; padding: 0 1; }
    Verdict > #verdict-run.-passed { border-left: outer $success; }
    Verdict > #verdict-explain { padding: 0; margin: 1 0 0 0; }
    Verdict > #verdict-refs { color: $text-muted; }
    Verdict .-empty { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="verdict-headline")
        with Horizontal(id="verdict-sides"):
            yield Static(id="verdict-given", markup=False)
            yield Static(id="verdict-truth", markup=False)
        yield Static(id="verdict-diff")
        yield Static(id="verdict-detail", markup=False)
        yield Static(id="verdict-run")
        yield DeckMarkdown(id="verdict-explain")
        yield Static(id="verdict-refs")

    def _set(self, selector: str, content: Content | str | None) -> None:
        widget = self.query_one(selector, Static)
        widget.set_class(not content, "-empty")
        widget.update(content or "")

    def show(self, view: VerdictView) -> None:
        text, style = _HEADLINES[view.outcome]
        text = _(text)
        if view.outcome is Outcome.ERROR and view.run is not None and view.run.exception:
            text = f"{text} {view.run.exception}"
        self._set("#verdict-headline", Content.styled(text, style))
        # Printed output ends in a newline that is no part of the answer.
        given, truth = (view.given or "").rstrip("\n"), (view.truth or "").rstrip("\n")
        multiline = "\n" in given.strip() or "\n" in truth.strip()
        sides = view.show_answers and truth and not multiline
        self.query_one("#verdict-sides").set_class(not sides, "-empty")
        if sides:
            you = (_("you") + "  ", "dim")
            self._set("#verdict-given", Content.assemble(you, given or _("(nothing)")))
            self._set("#verdict-truth", Content.assemble((_("truth") + "  ", "dim"), truth))
        diff = view.show_answers and multiline and view.outcome is not Outcome.PASS
        self._set("#verdict-diff", diff_lines(given, truth) if diff else None)
        self._set("#verdict-detail", view.detail)
        run = view.run
        # A pass shows its run too: what the learner's code printed is worth seeing.
        self._set("#verdict-run", describe_run(run) if run is not None else None)
        self.query_one("#verdict-run").set_class(
            run is not None and run.ok and not run.traceback, "-passed"
        )
        explain = self.query_one("#verdict-explain", Markdown)
        # Hidden until the new text is parsed (in a thread): never the last card's explanation.
        explain.add_class("-empty")
        if view.explain:
            self._reveal_explain(view.explain)
        refs = Content("\n").join(Content.styled(f"↗ {ref}", f"link {ref}") for ref in view.refs)
        self._set("#verdict-refs", refs if view.refs else None)
        self.add_class("-shown")

    @work(exclusive=True, group="verdict-explain")
    async def _reveal_explain(self, text: str) -> None:
        explain = self.query_one("#verdict-explain", Markdown)
        await explain.update(text)
        explain.remove_class("-empty")

    @property
    def is_shown(self) -> bool:
        return self.has_class("-shown")

    def clear(self) -> None:
        self.remove_class("-shown")
        self.workers.cancel_group(self, "verdict-explain")
        explain = self.query_one("#verdict-explain", Markdown)
        explain.add_class("-empty")
        explain.update("")
