"""The peer protocol, version 1: the messages, parsed and validated at the edge.

JSON text frames over WebSocket, each `{"v": 1, "type": ..., ...}`. docs/peer-protocol.md is the
contract; this module is its one implementation, shared by the hub and every client. It imports
nothing that runs code: a participant's process loads it and never the sandbox.

A frame that is not a valid message becomes a `ProtocolError` with a stable `code`, which the
hub sends back as an `error` message; nothing malformed reaches the session state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from quiz.deck.cloze import blanks
from quiz.deck.model import Card, CardType
from quiz.textsafe import first_control

VERSION = 1
MAX_FRAME = 64 * 1024  # bytes; larger frames close the connection (1009)
MAX_NAME = 24
MAX_TEXT = 32 * 1024  # characters of typed output or code in one answer
MAX_FILL = 500
CODE_LENGTH = 6
# No look-alikes: no 0/O, 1/I/L, and no 5/S or 2/Z pairs to misread on a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"

# Card types a session can ask: each is graded on the host. Flip cards are self-graded.
GRADED_TYPES = (CardType.PREDICT, CardType.CHOICE, CardType.CODE, CardType.CLOZE)

# Error codes (the `code` of an `error` message).
BAD_FRAME = "bad-frame"
BAD_VERSION = "bad-version"
UNKNOWN_TYPE = "unknown-type"
BAD_MESSAGE = "bad-message"
NOT_JOINED = "not-joined"
ALREADY_JOINED = "already-joined"
WRONG_CODE = "wrong-code"
TOO_MANY_ATTEMPTS = "too-many-attempts"
BAD_NAME = "bad-name"
NAME_TAKEN = "name-taken"
BAD_TOKEN = "bad-token"
LOBBY_LOCKED = "lobby-locked"
SESSION_FULL = "session-full"
NOT_OPEN = "not-open"
WRONG_QUESTION = "wrong-question"
ALREADY_ANSWERED = "already-answered"
TOO_FAST = "too-fast"
SESSION_OVER = "session-over"


class ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Join:
    code: str
    name: str
    lang: str | None = None  # deck text in this language, where the deck has it


@dataclass(frozen=True)
class Resume:
    token: str


@dataclass(frozen=True)
class AnswerMessage:
    question: int
    text: str | None = None
    choices: tuple[int, ...] | None = None
    fills: tuple[str, ...] | None = None


ClientMessage = Join | Resume | AnswerMessage


def encode(kind: str, **fields: Any) -> str:
    return json.dumps({"v": VERSION, "type": kind, **fields}, ensure_ascii=False)


def decode(frame: str | bytes) -> dict[str, Any]:
    """Any frame to a message dict with the right version and a string type, or ProtocolError."""
    if isinstance(frame, bytes):
        raise ProtocolError(BAD_FRAME, "frames are JSON text, not binary")
    try:
        data = json.loads(frame)
    except (ValueError, RecursionError):
        raise ProtocolError(BAD_FRAME, "the frame is not JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError(BAD_FRAME, "a message is a JSON object")
    if data.get("v") != VERSION:
        raise ProtocolError(BAD_VERSION, f"this hub speaks version {VERSION}")
    if not isinstance(data.get("type"), str):
        raise ProtocolError(BAD_MESSAGE, "a message needs a string 'type'")
    return data


def _string(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ProtocolError(BAD_MESSAGE, f"'{key}' must be a string")
    if len(value) > limit:
        raise ProtocolError(BAD_MESSAGE, f"'{key}' is longer than {limit} characters")
    return value


def _no_controls(value: str, key: str) -> None:
    """Answers are shown on the host's screen (code at the reveal): no terminal escapes."""
    if first_control(value) is not None:
        raise ProtocolError(
            BAD_MESSAGE, f"'{key}' holds a control character (only tab and newline are allowed)"
        )


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise ProtocolError(BAD_NAME, f"a name is 1 to {MAX_NAME} printable characters")
    return name


def normalise_code(raw: str) -> str:
    return "".join(raw.split()).upper()


def parse_client(frame: str | bytes) -> ClientMessage:
    """A participant's frame as a message, or ProtocolError saying what is wrong with it."""
    data = decode(frame)
    kind = data["type"]
    if kind == "join":
        code = normalise_code(_string(data, "code", 32))
        lang = _string(data, "lang", 16) if data.get("lang") is not None else None
        return Join(code, clean_name(_string(data, "name", 200)), lang)
    if kind == "resume":
        return Resume(_string(data, "token", 100))
    if kind == "answer":
        return _parse_answer(data)
    raise ProtocolError(UNKNOWN_TYPE, f"unknown message type {kind[:40]!r}")


def _parse_answer(data: dict[str, Any]) -> AnswerMessage:
    question = data.get("question")
    if not isinstance(question, int) or isinstance(question, bool):
        raise ProtocolError(BAD_MESSAGE, "'question' must be an integer")
    text = _string(data, "text", MAX_TEXT) if "text" in data else None
    if text is not None:
        _no_controls(text, "text")
    choices: tuple[int, ...] | None = None
    fills: tuple[str, ...] | None = None
    if "choices" in data:
        raw = data["choices"]
        if not isinstance(raw, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in raw
        ):
            raise ProtocolError(BAD_MESSAGE, "'choices' must be a list of option indexes")
        if len(set(raw)) != len(raw) or len(raw) > 64:
            raise ProtocolError(BAD_MESSAGE, "'choices' must not repeat an option")
        choices = tuple(sorted(raw))
    if "fills" in data:
        raw = data["fills"]
        if not isinstance(raw, list) or len(raw) > 64 or not all(isinstance(f, str) for f in raw):
            raise ProtocolError(BAD_MESSAGE, "'fills' must be a list of strings")
        if any(len(f) > MAX_FILL for f in raw):
            raise ProtocolError(BAD_MESSAGE, f"a fill is at most {MAX_FILL} characters")
        for fill in raw:
            _no_controls(fill, "fills")
        fills = tuple(raw)
    if sum(part is not None for part in (text, choices, fills)) != 1:
        raise ProtocolError(BAD_MESSAGE, "an answer has exactly one of text, choices or fills")
    return AnswerMessage(question, text, choices, fills)


def check_answer_shape(view: dict[str, Any], answer: AnswerMessage) -> None:
    """The answer fits the question it names: the right part for the card type, in range."""
    kind = view["type"]
    if kind in (CardType.PREDICT, CardType.CODE):
        if answer.text is None:
            raise ProtocolError(BAD_MESSAGE, f"a {kind} answer is 'text'")
    elif kind == CardType.CHOICE:
        count = len(view["options"])
        if answer.choices is None or not answer.choices:
            raise ProtocolError(BAD_MESSAGE, "a choice answer is a non-empty 'choices' list")
        if any(not 0 <= c < count for c in answer.choices):
            raise ProtocolError(BAD_MESSAGE, f"options are numbered 0 to {count - 1}")
    elif kind == CardType.CLOZE and (answer.fills is None or len(answer.fills) != view["blanks"]):
        raise ProtocolError(BAD_MESSAGE, f"a cloze answer is {view['blanks']} 'fills'")


def masked_cloze(code: str) -> str:
    """The cloze code with every fill replaced, so that the blanks' layout survives but no
    original text travels: `{{…::hint}}` (the hint is meant to be seen) or `{{…}}`."""
    parts: list[str] = []
    last = 0
    for blank in blanks(code):
        parts.append(code[last : blank.start])
        parts.append("{{…::" + blank.hint + "}}" if blank.hint else "{{…}}")
        last = blank.end
    parts.append(code[last:])
    return "".join(parts)


def card_view(card: Card, lang: str, *, multiline: bool = False) -> dict[str, Any]:
    """The card as shown to a learner: never its answer, check, solution, options' truths or
    explanation. `multiline` tells a predict question that the output has several lines."""
    view: dict[str, Any] = {
        "type": str(card.type),
        "deck": card.deck_id,
        "id": card.id,
        "prompt": card.prompt.get(lang),
    }
    if card.type is CardType.PREDICT:
        view["code"] = card.code or ""
        view["multiline"] = multiline
    elif card.type is CardType.CHOICE:
        view["code"] = card.code
        view["options"] = [option.text.get(lang) for option in card.options]
    elif card.type is CardType.CODE:
        view["code"] = card.code
        view["starter"] = card.starter or ""
    elif card.type is CardType.CLOZE:
        view["code"] = masked_cloze(card.code or "")
        view["blanks"] = len(blanks(card.code or ""))
    return view
