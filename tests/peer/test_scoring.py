"""Points and ranking for `speed` and `accuracy`."""

from __future__ import annotations

from quiz.peer.scoring import Scoring, Standing, board, ranking, score


def test_speed_earns_1000_at_once_and_500_at_the_deadline() -> None:
    assert score(Scoring.SPEED, True, 0.0, 20.0, 0).points == 1000
    assert score(Scoring.SPEED, True, 10.0, 20.0, 0).points == 750
    assert score(Scoring.SPEED, True, 20.0, 20.0, 0).points == 500
    assert score(Scoring.SPEED, True, 25.0, 20.0, 0).points == 500


def test_a_wrong_answer_earns_nothing_and_ends_the_streak() -> None:
    missed = score(Scoring.SPEED, False, 1.0, 20.0, 4)
    assert (missed.points, missed.streak) == (0, 0)


def test_the_streak_bonus_grows_by_100_up_to_500() -> None:
    bonuses = []
    streak = 0
    for _ in range(8):
        scored = score(Scoring.SPEED, True, 20.0, 20.0, streak)
        bonuses.append(scored.points - 500)
        streak = scored.streak
    assert bonuses == [0, 100, 200, 300, 400, 500, 500, 500]


def test_accuracy_is_one_per_correct_answer() -> None:
    assert score(Scoring.ACCURACY, True, 19.0, 20.0, 9).points == 1
    assert score(Scoring.ACCURACY, False, 1.0, 20.0, 9).points == 0


def test_ties_are_broken_by_total_time_and_equal_rows_share_a_rank() -> None:
    rows = [
        Standing(1, "slow", 3, 3, 40.0),
        Standing(2, "fast", 3, 3, 12.5),
        Standing(3, "twin", 3, 3, 40.0),
        Standing(4, "last", 1, 1, 2.0),
    ]
    assert [(rank, s.name) for rank, s in ranking(rows)] == [
        (1, "fast"),
        (2, "slow"),
        (2, "twin"),
        (4, "last"),
    ]
    assert board(rows, limit=1) == [
        {"rank": 1, "name": "fast", "score": 3, "correct": 3, "time": 12.5}
    ]
