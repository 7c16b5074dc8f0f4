"""The e-mail worker of notifications: claims queued rows, sends after commit, retries,
never sends a row twice. Run by `manage.py serve` as a thread, or `send_notifications`."""

from __future__ import annotations

import datetime as dt
import email.policy
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Final

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import close_old_connections, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.choices import EmailMode, EmailStatus
from core.models import Notification
from core.notices import render_text
from core.people import PersonLike

logger = logging.getLogger(__name__)

BATCH: Final = 200
DIGEST_BATCH: Final = 5000
MAX_ATTEMPTS: Final = 5
INTERVAL_SECONDS: Final = 1.0
# A row still marked sending this long after its claim belonged to a worker that stopped
# during the SMTP exchange. It may have left: it is marked failed, never sent again.
STUCK_AFTER: Final = dt.timedelta(hours=1)
UNSUBSCRIBE_SALT: Final = "collegia.notifications.unsubscribe"


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 5, 25, 125 minutes: a refused or unreachable server gets time to recover."""
    return dt.timedelta(minutes=5 ** max(attempts - 1, 0))


def unsubscribe_token(person_id: int, kind: str) -> str:
    """A signed, lasting token naming a person and a kind ("" for every kind)."""
    return signing.dumps({"p": person_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("p"), int):
        return None
    return value["p"], str(value.get("k", ""))


def unsubscribe_url(person_id: int, kind: str) -> str:
    path = reverse("frontend:unsubscribe", kwargs={"token": unsubscribe_token(person_id, kind)})
    return settings.PUBLIC_BASE_URL + path


def _absolute(url: str) -> str:
    if url.startswith("/"):
        return settings.PUBLIC_BASE_URL + url
    return url


class NoticeEmail(EmailMultiAlternatives):
    """An e-mail whose headers are never folded into encoded words: a long
    List-Unsubscribe address must stay a plain URL for mail clients (RFC 8058), and RFC
    5322 allows header lines up to 998 characters."""

    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=policy.clone(max_line_length=998))


def _message(
    person: PersonLike, notices: list[Notification], *, digest: bool
) -> EmailMultiAlternatives:
    """One e-mail in the recipient's language, with its RFC 8058 one-click unsubscribe."""
    kind = "" if digest else notices[0].kind
    link = unsubscribe_url(person.pk, kind)
    with translation.override(person.language or settings.LANGUAGE_CODE):
        items = [
            {"text": render_text(n.kind, n.data, n.message), "url": _absolute(n.url)}
            for n in notices
        ]
        if digest:
            subject = _("Collegia: %(count)d notifications since the last digest") % {
                "count": len(items)
            }
        else:
            subject = items[0]["text"]
        context = {
            "person": person,
            "items": items,
            "digest": digest,
            "unsubscribe_url": link,
            "preferences_url": settings.PUBLIC_BASE_URL + reverse("frontend:preferences"),
        }
        text = render_to_string("notifications/email/notice.txt", context)
        html = render_to_string("notifications/email/notice.html", context)
    message = NoticeEmail(
        subject=" ".join(subject.split())[:200],
        body=text,
        to=[person.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Collegia-Notifications": ",".join(str(n.pk) for n in notices),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _claim(
    mode: str, *, now: dt.datetime, limit: int, whole_people: bool = False
) -> list[Notification]:
    """Take due rows and mark them sending, committed before any SMTP exchange.
    ``SELECT ... FOR UPDATE SKIP LOCKED`` keeps concurrent workers off each other's rows."""
    due = Notification.objects.filter(
        email_status=EmailStatus.QUEUED, email_mode=mode, email_next_at__lte=now
    )
    if not due.exists():
        return []
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("person")
            .order_by("person_id", "id")[:limit]
        )
        if whole_people and len(rows) == limit and rows[0].person_id != rows[-1].person_id:
            # The last person's rows may go on past the batch: they wait for the next one,
            # so each person gets a single digest.
            rows = [r for r in rows if r.person_id != rows[-1].person_id]
        if rows:
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                email_status=EmailStatus.SENDING,
                email_attempts=F("email_attempts") + 1,
                email_next_at=now,
            )
    for row in rows:
        row.email_attempts += 1
    return rows


def _record(rows: Iterable[Notification], error: Exception | None, now: dt.datetime) -> None:
    ids = [r.pk for r in rows]
    if error is None:
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.SENT, email_sent_at=now, email_error=""
        )
        return
    attempts = max(r.email_attempts for r in rows)
    reason = str(error)[:500]
    if attempts >= MAX_ATTEMPTS:
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.FAILED, email_error=reason
        )
    else:
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.QUEUED,
            email_error=reason,
            email_next_at=now + retry_delay(attempts),
        )


def _send_groups(groups: list[list[Notification]], *, digest: bool, now: dt.datetime) -> int:
    sent = 0
    if not groups:
        return 0
    connection = mailers.default
    try:
        connection.open()
    except Exception as exc:
        # The server is unreachable: every claimed row waits for its retry.
        logger.warning("Mail server unreachable, notifications wait: %s", exc)
        for notices in groups:
            _record(notices, exc, timezone.now())
        return 0
    try:
        for notices in groups:
            try:
                connection.send_messages([_message(notices[0].person, notices, digest=digest)])
            except Exception as exc:
                logger.warning("Notifications %s not sent: %s", [n.pk for n in notices], exc)
                _record(notices, exc, timezone.now())
                continue
            _record(notices, None, timezone.now())
            sent += 1
    finally:
        connection.close()
    return sent


def send_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Send the due immediate e-mails, one per notification; return how many left."""
    now = now or timezone.now()
    rows = _claim(EmailMode.IMMEDIATE, now=now, limit=limit)
    return _send_groups([[row] for row in rows], digest=False, now=now)


def send_digests(*, now: dt.datetime | None = None, limit: int = DIGEST_BATCH) -> int:
    """Send one digest per person of the due digest rows; return how many e-mails left.
    Batches hold whole people, so nobody gets two digests from one run."""
    now = now or timezone.now()
    total = 0
    while True:
        rows = _claim(EmailMode.DIGEST, now=now, limit=limit, whole_people=True)
        if not rows:
            return total
        groups = [list(g) for _k, g in groupby(rows, key=lambda r: r.person_id)]
        total += _send_groups(groups, digest=True, now=now)


def release_stuck(*, now: dt.datetime | None = None) -> int:
    """Mark failed the rows a stopped worker left sending (they are not sent again)."""
    now = now or timezone.now()
    stuck = Notification.objects.filter(
        email_status=EmailStatus.SENDING, email_next_at__lt=now - STUCK_AFTER
    )
    # A plain read first, so an idle worker takes no write lock (SQLite locks the file).
    if not stuck.exists():
        return 0
    return stuck.update(
        email_status=EmailStatus.FAILED,
        email_error="interrupted: the worker stopped during sending; not sent again",
    )


@dataclass
class TickReport:
    sent: int = 0
    digests: int = 0
    released: list[int] = field(default_factory=list)


def tick(*, now: dt.datetime | None = None) -> TickReport:
    now = now or timezone.now()
    report = TickReport()
    release_stuck(now=now)
    report.sent = send_due(now=now)
    report.digests = send_digests(now=now)
    return report


def run_forever(*, stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    """Send until `stop` is set. An unexpected error is logged and the loop goes on."""
    logger.info("Notification mailer started (every %.1f s)", interval)
    while not stop.is_set():
        try:
            close_old_connections()
            report = tick()
            if report.sent or report.digests:
                logger.info(
                    "Notification e-mails sent: %s, digests: %s", report.sent, report.digests
                )
        except Exception:
            logger.exception("Notification mailer tick failed")
        stop.wait(interval)
    close_old_connections()
