"""The French catalogs: every message translated, none fuzzy, and every message of the Python
code and of the templates in one, translated.

`manage.py makemessages -l fr` refreshes the catalogs; these tests name what is missing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, extract, extract_from_dir
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.utils.translation.template import templatize

BASE = Path(settings.BASE_DIR)
# Django's lazy and contextual variants, beside babel's usual names.
KEYWORDS: dict[str, Any] = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
    # Marks an English text kept as data (a legal reference, a webhook event's description)
    # that the pages translate when they show it.
    "gettext_noop": None,
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


def _translated() -> set[tuple[str | None, str]]:
    """The messages a French reader gets in French: translated, and not fuzzy (a fuzzy
    entry is left out of the compiled catalog, so the page shows its English)."""
    return {
        _key(message.id, message.context)
        for message in _messages()
        if not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }


def _template_messages() -> Iterator[tuple[str, str | None, str]]:
    """Every message of the project's templates, read as `makemessages` reads them.

    `templatize` turns `{% translate %}` and `{% blocktranslate %}` into the gettext calls
    the template engine makes, `%` doubled where the engine doubles it, so the key is the
    one looked up when the page renders."""
    for folder in [BASE / "config", *_project_apps()]:
        for path in sorted(folder.glob("**/templates/**/*")):
            if path.suffix not in {".html", ".txt"}:
                continue
            # Each gettext call is written on one line (its strings as `repr`), so the
            # indentation the tokenizer would stumble on can go.
            source = "\n".join(
                line.lstrip()
                for line in templatize(
                    path.read_text(encoding="utf-8"), origin=str(path)
                ).splitlines()
            )
            for _lineno, message, _comments, context in extract(
                "python", io.BytesIO(source.encode("utf-8")), keywords=KEYWORDS
            ):
                singular = message[0] if isinstance(message, tuple | list) else message
                if singular:
                    yield str(path.relative_to(BASE)), context, singular


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


def test_every_message_of_the_python_code_is_translated_in_a_catalog() -> None:
    known = _translated()
    absent = []
    for folder in [BASE / "config", *_project_apps()]:
        for filename, _lineno, message, _comments, context in extract_from_dir(
            folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key = _key(message, context)
            if key[1] and key not in known:
                absent.append(f"{folder.name}/{filename}: {key[1]!r}")
    assert absent == []


def test_every_message_of_the_templates_is_translated_in_a_catalog() -> None:
    known = _translated()
    absent = [
        f"{path}: {message!r}" + (f" (context {context!r})" if context else "")
        for path, context, message in _template_messages()
        if (context, message) not in known
    ]
    assert absent == []


def test_the_template_reading_finds_contexts_and_doubled_percent_signs() -> None:
    """The check above reads templates the way the engine does, or it proves nothing."""
    found = {(path, context, message) for path, context, message in _template_messages()}
    assert (
        "frontend/templates/frontend/votes/booth.html",
        "cast button",
        "Vote",
    ) in found
    assert (
        "frontend/templates/frontend/proposals/_vote_panel.html",
        None,
        "Turnout: %%(voted)s of %%(eligible)s members",
    ) in found


def test_no_message_is_translated_two_ways_across_the_catalogs() -> None:
    """The project's catalog is read before the apps' ones: a message translated otherwise
    in an app's catalog shows the project's text, and the app's is never read. Two senses
    of one English word ("Open" the button, "Open" the status) take a context instead."""
    first: dict[tuple[str | None, str], Any] = {}
    differing = []
    for message in _messages():
        key = _key(message.id, message.context)
        if key in first and first[key] != message.string:
            differing.append(f"{key[1]!r}: {first[key]!r} / {message.string!r}")
        first.setdefault(key, message.string)
    assert differing == []
