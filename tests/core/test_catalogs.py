"""The French catalogs: every message translated, and every message of the Python code in one.

`manage.py makemessages -l fr` refreshes the catalogs; these tests name what is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings

BASE = Path(settings.BASE_DIR)
# Django's lazy and contextual variants, beside babel's usual names.
KEYWORDS: dict[str, Any] = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _project_apps() -> list[Path]:
    """The folders of the project's own apps (not Django's nor the libraries')."""
    folders = (Path(app.path) for app in apps.get_app_configs())
    return [folder for folder in folders if folder.parent == BASE]


def _catalogs() -> list[Path]:
    return sorted(BASE.glob("locale/fr/LC_MESSAGES/django.po")) + sorted(
        BASE.glob("*/locale/fr/LC_MESSAGES/django.po")
    )


def _messages() -> list[Any]:
    found = []
    for path in _catalogs():
        with path.open("rb") as po:
            found.extend(message for message in read_po(po, locale="fr") if message.id)
    return found


def _key(message_id: Any, context: str | None) -> tuple[str | None, str]:
    singular = message_id[0] if isinstance(message_id, tuple | list) else message_id
    return context, singular


def test_there_are_french_catalogs() -> None:
    assert len(_catalogs()) >= 2
    assert len(_messages()) > 500


def test_every_message_in_the_catalogs_is_translated_and_none_is_fuzzy() -> None:
    missing = [
        message.id
        for message in _messages()
        if message.fuzzy
        or not (all(message.string) if isinstance(message.string, tuple) else message.string)
    ]
    assert missing == []


def test_every_message_of_the_python_code_is_in_a_catalog() -> None:
    known = {_key(message.id, message.context) for message in _messages()}
    absent = []
    for folder in [BASE / "config", *_project_apps()]:
        for filename, _lineno, message, _comments, context in extract_from_dir(
            folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key = _key(message, context)
            if key[1] and key not in known:
                absent.append(f"{folder.name}/{filename}: {key[1]!r}")
    assert absent == []
