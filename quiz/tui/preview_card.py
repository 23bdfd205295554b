"""What `quiz preview` shows under a card: its answer key and what `quiz check` said of it."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from quiz.deck import cloze
from quiz.deck.model import Card, CardType


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
            else Content.styled("(no `answer`: the run is the truth)", "dim")
        )
    elif card.type is CardType.CHOICE:
        right = set(card.answer_indexes or ())
        for index, option in enumerate(card.options):
            mark = "✓" if index in right else " "
            truth = f"   truth: {option.truth}" if option.truth else ""
            body.append(
                Content.assemble(f"{mark} {index + 1}. {option.text.get(lang)}", (truth, "dim"))
            )
    elif card.type is CardType.CODE:
        body.append(Content.styled("solution", "dim"))
        body.append(Content(card.solution or ""))
        if card.check:
            body.append(Content.styled("check", "dim"))
            body.append(Content(card.check))
        if card.wrong:
            body.append(Content.styled(f"{len(card.wrong)} wrong answers that must fail", "dim"))
    elif card.type is CardType.CLOZE:
        fills = [b.fill for b in cloze.blanks(card.code or "")]
        body.append(Content(" | ".join(fills)))
        if card.check:
            body.append(Content.styled("any fill that passes the check is right", "dim"))
    elif card.answer_text is not None:
        body.append(Content(card.answer_text.get(lang)))
    parts = [_section("Answer", body)]
    for title, text in (
        ("Hint", card.hint.get(lang) if card.hint else None),
        ("Explanation", card.explain.get(lang) if card.explain else None),
    ):
        if text:
            parts.append(_section(title, [Content(text)]))
    if card.refs:
        parts.append(_section("References", [Content(ref) for ref in card.refs]))
    if card.vary:
        combos = ", ".join(f"{k} in {list(v)}" for k, v in card.vary.items())
        shown = ", ".join(f"{k}={v!r}" for k, v in card.instance.items())
        lines = [Content(combos)]
        if shown:
            lines.append(Content.styled(f"showing {shown}", "dim"))
        parts.append(_section("Varies", lines))
    return Content("\n\n").join(parts)


def check_lines(mark: str, messages: Sequence[str]) -> Content:
    """The card's `quiz check` status: proven, failing (with why), pending or self-graded."""
    if mark == "✓":
        return Content.styled("✓ proven by running it", "$text-success bold")
    if mark == "✗":
        lines = [Content.styled("✗ quiz check fails:", "$text-error bold")]
        lines += [Content(f"  {message}") for message in messages]
        return Content("\n").join(lines)
    if mark == "–":
        return Content.styled("– self-graded: nothing to run", "dim")
    return Content.styled("… checking in the sandbox", "dim")
