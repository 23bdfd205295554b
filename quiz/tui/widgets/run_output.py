"""RunOutput: what one sandbox run printed, how it ended, and its traceback; Spinner: work going."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from quiz.i18n import N_, _
from quiz.sandbox.protocol import RunResult, RunStatus

_ENDINGS = {
    RunStatus.OK: N_("The code ran"),
    RunStatus.ERROR: N_("The code raised"),
    RunStatus.TIMEOUT: N_("The code timed out"),
    RunStatus.MEMORY: N_("The code ran out of memory"),
    RunStatus.KILLED: N_("The code was killed"),
    RunStatus.OUTPUT_LIMIT: N_("The code printed too much"),
}

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def describe_run(result: RunResult) -> Content:
    """The run as the learner needs it: ending, stdout, then the traceback (never torch noise)."""
    ending = _(_ENDINGS.get(result.status, result.status.value))
    mark = ("✓ ", "$text-success bold") if result.ok else ("✗ ", "$text-error bold")
    head = Content.assemble(mark, (ending, "bold"))
    if result.exception and result.status is RunStatus.ERROR:
        head = head.append_text(f" {result.exception}", "$text-error bold")
    parts = [head.append_text(f"  ({result.duration_ms:.0f} ms)", "dim")]
    # Stream names are what Python calls them: they stay as they are in every language.
    if result.stdout:
        parts.append(Content.styled("stdout", "dim underline"))
        parts.append(Content(result.stdout.rstrip("\n")))
    if result.traceback:
        parts.append(Content.styled("traceback", "dim underline"))
        parts.append(Content.styled(result.traceback.rstrip("\n"), "$text-error"))
    parts.extend(
        Content.styled(_("note: {note}").format(note=note), "italic dim") for note in result.notes
    )
    return Content("\n").join(parts)


class RunOutput(Static):
    DEFAULT_CSS = """
    RunOutput {
        height: auto;
        max-height: 16;
        overflow-y: auto;
        padding: 0 1;
        border-left: outer $secondary;
    }
    RunOutput:disabled, RunOutput.-empty { display: none; }
    """

    def show(self, result: RunResult | None) -> None:
        self.set_class(result is None, "-empty")
        self.update(describe_run(result) if result is not None else "")


class Spinner(Static):
    """A one-line activity marker: `⠋ checking…`. Hidden unless a label is set."""

    DEFAULT_CSS = """
    Spinner { height: 1; color: $text-accent; display: none; }
    Spinner.-active { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._label = ""
        self._frame = 0

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.1, self._tick, pause=True)

    def start(self, label: str) -> None:
        self._label = label
        self._frame = 0
        self.add_class("-active")
        self._render_frame()
        self._timer.resume()

    def stop(self) -> None:
        self._timer.pause()
        self.remove_class("-active")

    @property
    def active(self) -> bool:
        return self.has_class("-active")

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER_FRAMES)
        self._render_frame()

    def _render_frame(self) -> None:
        self.update(f"{SPINNER_FRAMES[self._frame]} {self._label}")
