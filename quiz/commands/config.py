"""`quiz config`: read and set deck presets and the study-day options, with validation.

quiz config                          every setting (for --deck D: as that deck sees them)
quiz config KEY                      one setting
quiz config KEY VALUE [--deck D]     set it for all decks, or only for deck D
quiz config --unset KEY [--deck D]   back to the inherited value
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from quiz.errors import QuizError
from quiz.i18n import _

GLOBAL_KEYS = {
    "day_start_hour": "the hour (0-23, local time) a new study day starts",
    "timezone": "IANA time zone for study days (e.g. Asia/Seoul), or `local` for the system's",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "config",
        help=_("read or set scheduling presets (limits, steps, retention, FSRS parameters)"),
        description=_(
            "Read or set the scheduling presets kept in the database. Keys: desired_retention, "
            "new_per_day, reviews_per_day, learning_steps (e.g. '1m 10m'), relearning_steps, "
            "maximum_interval (days), parameters (21 FSRS weights), leech_threshold, "
            "leech_action (suspend|tag), fuzz (true|false); and, for all decks only, "
            "day_start_hour and timezone."
        ),
    )
    parser.add_argument("key", nargs="?", help=_("a setting (dashes or underscores)"))
    parser.add_argument("value", nargs="?", help=_("its new value"))
    parser.add_argument(
        "--deck", metavar="DECK", help=_("a deck's own preset instead of all decks'")
    )
    parser.add_argument("--unset", action="store_true", help=_("remove KEY (inherit it again)"))
    parser.add_argument("--json", action="store_true", help=_("print settings as JSON"))
    parser.set_defaults(func=run)


def _global_value(name: str, text: str) -> Any:
    if name == "day_start_hour":
        try:
            hour = int(text)
        except ValueError:
            hour = -1
        if not 0 <= hour <= 23:
            raise QuizError(
                _("day_start_hour: {value} is not valid; expected 0 to 23").format(value=repr(text))
            )
        return hour
    if text.strip().lower() == "local":
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise QuizError(
            _("timezone: {value} is not a known IANA time zone").format(value=repr(text))
        ) from None
    return text.strip()


def run(args: argparse.Namespace) -> int:
    from quiz.commands.deck_ids import require_known_deck
    from quiz.srs import preset as presets
    from quiz.srs.store import DEFAULT_PRESET, PRESET_PREFIX, Store
    from quiz.srs.timeutil import DEFAULT_DAY_START_HOUR

    if args.value is not None and args.unset:
        raise QuizError(_("give a VALUE or --unset, not both"))
    if (args.value is not None or args.unset) and args.key is None:
        raise QuizError(_("which setting? e.g. `quiz config new_per_day 20`"))
    name = args.key.strip().replace("-", "_") if args.key else None
    is_global = name in GLOBAL_KEYS
    if is_global and args.deck:
        raise QuizError(_("{key} applies to all decks; drop --deck").format(key=name))
    if name is not None and not is_global and name not in presets.PRESET_KEYS:
        from quiz.commands.deck_ids import did_you_mean

        known = [*presets.PRESET_KEYS, *GLOBAL_KEYS]
        raise QuizError(
            _(
                "no setting is called {key}{suggestion} (settings: {known}; dashes or underscores)"
            ).format(
                key=repr(args.key), suggestion=did_you_mean(name, known), known=", ".join(known)
            ),
            title=_("Unknown setting"),
        )

    with Store.open() as store:
        if args.deck:
            require_known_deck(args, store, args.deck)
        stored = store.presets()
        scope = args.deck or DEFAULT_PRESET
        own = dict(stored.decks.get(args.deck, {}) if args.deck else stored.default)
        if name is not None and (args.value is not None or args.unset):
            if is_global:
                value = None if args.unset else _global_value(name, args.value)
                store.set_setting(name, value)
            else:
                if args.unset:
                    own.pop(name, None)
                else:
                    own[name] = presets.parse_value(name, args.value)
                base = presets.Preset().merged(stored.default) if args.deck else presets.Preset()
                checked = base.merged(own)  # raises a QuizError naming the bad key
                saved = {k: checked.to_dict()[k] for k in own}
                store.set_setting(PRESET_PREFIX + scope, saved or None)
            stored = store.presets()
        effective = stored.for_deck(args.deck) if args.deck else stored.for_deck("")
        hour = store.setting("day_start_hour")
        tz = store.setting("timezone")

    own = dict(stored.decks.get(args.deck, {}) if args.deck else stored.default)
    rows: dict[str, tuple[Any, str]] = {}
    for key, value in effective.to_dict().items():
        if key in own:
            source = _("deck {deck}").format(deck=args.deck) if args.deck else _("all decks")
        elif args.deck and key in stored.default:
            source = _("all decks")
        else:
            source = _("default")
        rows[key] = (value, source)
    if not args.deck:
        rows["day_start_hour"] = (
            DEFAULT_DAY_START_HOUR if hour is None else hour,
            _("default") if hour is None else _("all decks"),
        )
        rows["timezone"] = (tz or "local", _("default") if tz is None else _("all decks"))
    if name is not None:
        rows = {name: rows[name]} if name in rows else rows
    if args.json:
        print(json.dumps({k: v for k, (v, _) in rows.items()}, indent=2))
        return 0
    width = max(len(k) for k in rows)
    for key, (value, source) in rows.items():
        shown = value if key in GLOBAL_KEYS else presets.format_value(key, value)
        print(f"{key:<{width}}  {shown}  ({source})" if name is None else shown)
    return 0
