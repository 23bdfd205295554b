"""What `quiz preview` shows under a card: its answer key and what `quiz check` said of it."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from quiz.deck import cloze
from quiz.deck.model import Card, CardType
from quiz.i18n import _, ngettext
from quiz.tui.inline import inline


def _section(title: str, body: Sequence[Content]) -> Content:
    return Content("\n").join([Content.styled(title, "bold underline"), *body])


def answer_key(card: Card, lang: str) -> Content:
    """The right answer as the deck states it, plus hint, explanation and references."""
    body: list[Content] = []
    if card.type is CardType.PREDICT:
        claimed = card.expected_output
        body.append(
            Content(claimed.rstrip("\n"))
            if claimed
            else Content.styled(_("(no `answer`: the run is the truth)"), "dim")
        )
    elif card.type is CardType.CHOICE:
        right = set(card.answer_indexes or ())
        for index, option in enumerate(card.options):
            mark = "✓" if index in right else " "
            truth = "   " + _("truth: {expr}").format(expr=option.truth) if option.truth else ""
            body.append(
                Content.assemble(
                    f"{mark} {index + 1}. ", inline(option.text.get(lang)), (truth, "dim")
                )
            )
    elif card.type is CardType.CODE:
        body.append(Content.styled(_("solution"), "dim"))
        body.append(Content(card.solution or ""))
        if card.check:
            body.append(Content.styled(_("check"), "dim"))
            body.append(Content(card.check))
        if card.wrong:
            body.append(
                Content.styled(
                    ngettext(
                        "{n} wrong answer that must fail",
                        "{n} wrong answers that must fail",
                        len(card.wrong),
                    ).format(n=len(card.wrong)),
                    "dim",
                )
            )
    elif card.type is CardType.CLOZE:
        fills = [b.fill for b in cloze.blanks(card.code or "")]
        body.append(Content(" | ".join(fills)))
        if card.check:
            body.append(Content.styled(_("any fill that passes the check is right"), "dim"))
    elif card.answer_text is not None:
        body.append(inline(card.answer_text.get(lang)))
    parts = [_section(_("Answer"), body)]
    # Deck prose is Markdown: its `code` spans show as code here too, never as raw backticks.
    for title, text in (
        (_("Hint"), card.hint.get(lang) if card.hint else None),
        (_("Explanation"), card.explain.get(lang) if card.explain else None),
    ):
        if text:
            parts.append(_section(title, [inline(text)]))
    if card.refs:
        parts.append(_section(_("References"), [Content(ref) for ref in card.refs]))
    if card.vary:
        combos = ", ".join(
            _("{name} in {values}").format(name=k, values=list(v)) for k, v in card.vary.items()
        )
        shown = ", ".join(f"{k}={v!r}" for k, v in card.instance.items())
        lines = [Content(combos)]
        if shown:
            lines.append(Content.styled(_("showing {values}").format(values=shown), "dim"))
        parts.append(_section(_("Varies"), lines))
    return Content("\n\n").join(parts)


def check_lines(mark: str, messages: Sequence[str]) -> Content:
    """The card's `quiz check` status: proven, failing (with why), pending or self-graded."""
    if mark == "✓":
        return Content.styled(_("✓ proven by running it"), "$text-success bold")
    if mark == "✗":
        lines = [Content.styled(_("✗ quiz check fails:"), "$text-error bold")]
        lines += [Content(f"  {message}") for message in messages]
        return Content("\n").join(lines)
    if mark == "–":
        return Content.styled(_("– self-graded: nothing to run"), "dim")
    return Content.styled(_("… checking in the sandbox"), "dim")
