"""The API's JSON parser: every malformed, undecodable or too deeply nested body is a 400."""

from __future__ import annotations

import codecs
import json
import math
from typing import Any, Final

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# No request of the API nests deeper than a few levels; a limit far above that keeps
# every later walk over the data (validation, rendering, logging) clear of the recursion
# limit, which a body of 100,000 "[" would otherwise reach inside the decoder itself.
MAX_JSON_DEPTH: Final = 64


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """True when `data` nests lists and objects deeper than `limit`; iterative, so safe."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering ParseError where the stock one lets RecursionError
    (deep nesting) or LookupError (an unknown charset) become a 500."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            reader = codecs.getreader(encoding)
        except LookupError as exc:
            raise ParseError(
                _("The body's character set %(charset)s is not known.") % {"charset": encoding}
            ) from exc
        try:
            data = json.load(
                reader(stream),
                parse_constant=strict_constant if self.strict else None,
                parse_float=_finite_float,
            )
        except RecursionError as exc:
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
        except ValueError as exc:
            # Malformed JSON, a byte sequence the charset cannot decode, or an integer
            # longer than Python converts (UnicodeDecodeError is a ValueError).
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(_("The JSON body is nested too deeply."))
        return data


def _finite_float(text: str) -> float:
    """A number too large for a float (1e999) would come out infinite, which no field
    expects and the JSON renderer cannot write back: it is refused as the body's fault."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value
