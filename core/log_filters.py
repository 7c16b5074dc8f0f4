"""Logging filters wired in config/settings.py LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx answer is the client's error, not the server's: log it as one line.

    Django logs a PermissionDenied (403) with the exception attached, so every ordinary
    refusal printed a full traceback; this drops the traceback from records of answers
    below 500 and keeps the line itself ("Forbidden (Permission denied): /path").
    Server errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
