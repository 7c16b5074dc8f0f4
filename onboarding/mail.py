"""The one way onboarding e-mail leaves: Django's mail API, after the transaction commits.

Every invitation, notice and outcome goes through `onboarding_email_send`, so that it can
later be handed to a notification outbox instead without touching the services.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def url_for(name: str, **kwargs: Any) -> str:
    return absolute_url(reverse(name, kwargs=kwargs))


def onboarding_email_send(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Send `onboarding/email/<template>.txt` (its subject from `<template>_subject.txt`)
    to one address once the current transaction commits, never before: a rolled-back
    invitation sends nothing. The message is written in the language active now. A
    failure of the mail server is logged; the record stays and can be sent again."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {"site_url": settings.PUBLIC_BASE_URL, **context}

    def deliver() -> None:
        with translation.override(language):
            subject = render_to_string(f"onboarding/email/{template}_subject.txt", context)
            body = render_to_string(f"onboarding/email/{template}.txt", context)
        try:
            send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception:
            logger.exception("Could not send the %s e-mail to %s", template, to)

    transaction.on_commit(deliver)
