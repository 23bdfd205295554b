"""Parsing participants' frames, and what a question shows of its card."""

from __future__ import annotations

import pytest

from quiz.deck.cloze import blanks
from quiz.peer import protocol as p
from tests.peer.helpers import demo_deck


def test_join_resume_and_answer_parse() -> None:
    assert p.parse_client('{"v":1,"type":"join","code":"ab cdef","name":"  Kim   Min "}') == p.Join(
        "ABCDEF", "Kim Min"
    )
    assert p.parse_client('{"v":1,"type":"resume","token":"t"}') == p.Resume("t")
    assert p.parse_client('{"v":1,"type":"answer","question":2,"choices":[2,0]}') == (
        p.AnswerMessage(2, choices=(0, 2))
    )


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('{"v":1,"type":"join","code":"A","name":""}', p.BAD_NAME),
        ('{"v":1,"type":"join","code":"A","name":"' + "n" * 25 + '"}', p.BAD_NAME),
        ('{"v":1,"type":"join","code":"A","name":"a\\u0007"}', p.BAD_NAME),
        ('{"v":1,"type":"answer","question":true,"text":""}', p.BAD_MESSAGE),
        ('{"v":1,"type":"answer","question":0,"choices":[1,1]}', p.BAD_MESSAGE),
        ('{"v":1,"type":"answer","question":0}', p.BAD_MESSAGE),
        ('{"v":1,"type":"answer","question":0,"fills":[1]}', p.BAD_MESSAGE),
        ('{"type":"join"}', p.BAD_VERSION),
        ('{"v":1}', p.BAD_MESSAGE),
        ("[" * 100000, p.BAD_FRAME),
    ],
)
def test_malformed_frames_are_protocol_errors(frame: str, code: str) -> None:
    with pytest.raises(p.ProtocolError) as raised:
        p.parse_client(frame)
    assert raised.value.code == code


def test_an_answer_must_fit_its_card() -> None:
    deck = demo_deck()
    choice = p.card_view(deck.cards[1], "en")
    with pytest.raises(p.ProtocolError):
        p.check_answer_shape(choice, p.AnswerMessage(1, choices=(3,)))
    with pytest.raises(p.ProtocolError):
        p.check_answer_shape(choice, p.AnswerMessage(1, text="2"))
    cloze = p.card_view(deck.cards[3], "en")
    with pytest.raises(p.ProtocolError):
        p.check_answer_shape(cloze, p.AnswerMessage(3, fills=("a", "b")))
    p.check_answer_shape(cloze, p.AnswerMessage(3, fills=("join",)))


def test_the_card_view_keeps_the_layout_and_drops_the_answers() -> None:
    deck = demo_deck()
    cloze = p.card_view(deck.cards[3], "ko")
    assert cloze["prompt"] == "빈칸을 채우세요."
    assert "join" not in cloze["code"].replace("joined", "")
    assert [b.hint for b in blanks(cloze["code"])] == ["method"]
    choice = p.card_view(deck.cards[1], "ko")
    assert choice["options"] == ["이", "삼", "사"]
    code = p.card_view(deck.cards[2], "en")
    assert set(code) == {"type", "deck", "id", "prompt", "code", "starter"}


def test_a_taken_port_is_a_clear_error() -> None:
    import socket

    from quiz.commands.host import check_port_free
    from quiz.errors import QuizError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(QuizError, match=r"cannot listen on 127\.0\.0\.1"):
            check_port_free("127.0.0.1", port)


def test_addresses_become_hub_urls() -> None:
    from quiz.errors import QuizError
    from quiz.peer.client import hub_url

    assert hub_url("10.0.0.5:9000") == "ws://10.0.0.5:9000"
    assert hub_url("10.0.0.5") == "ws://10.0.0.5:8765"
    assert hub_url("ws://h:1/") == "ws://h:1/"
    assert hub_url("fe80::1") == "ws://[fe80::1]:8765"
    with pytest.raises(QuizError, match="port must be a number"):
        hub_url("host:http")


def test_the_address_to_share_is_never_the_wildcard() -> None:
    from quiz.commands.host import lan_addresses

    assert lan_addresses("127.0.0.1") == ["127.0.0.1"]
    shared = lan_addresses("0.0.0.0")
    assert shared and "0.0.0.0" not in shared
