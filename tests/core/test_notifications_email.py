"""Notifications by e-mail: through a real SMTP server, in each person's language, once,
with retries, in a daily digest, with a one-click unsubscribe; the 24-hour reminder."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import mailer
from core.errors import InvalidInput
from core.models import EmailMode, EmailStatus, NoticeJob, Notification
from core.notices import render_in
from core.notifications import next_digest_at, notification_preference_set, notify
from tests.voting.factories import Coop, cast, make_coop, make_proposal, make_vote
from voting import scheduler
from voting.notices import remind_vote

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Inbox:
    """What a local SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _smtp_settings(port: int) -> Any:
    return override_settings(
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        },
        PUBLIC_BASE_URL="http://collegia.test",
    )


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with _smtp_settings(port):
            yield inbox
    finally:
        controller.stop()


def _body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def _subject(message: Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _small_coop() -> Coop:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    for index, person in enumerate(coop.everyone):
        person.email = f"member{index}@example.org"
        person.save(update_fields=["email"])
    return coop


def test_vote_opening_emails_everyone_once_in_their_language_with_one_click_unsubscribe(
    smtp: Inbox,
) -> None:
    coop = _small_coop()
    english, french = coop.people("Workers")
    digest, off = coop.person("Users"), coop.person("Suppliers")
    english.language = "en"
    english.save(update_fields=["language"])
    notification_preference_set(person=digest, kind="vote.opened", mode=EmailMode.DIGEST)
    notification_preference_set(person=off, kind="vote.opened", mode=EmailMode.OFF)
    vote = make_vote(coop, title="Budget 2027")

    report = mailer.tick()
    assert report.sent == 3  # english, french, and the authority; not digest nor off
    assert mailer.tick().sent == 0  # never twice
    assert len(smtp.messages) == 3
    [to_english] = smtp.to(english.email)
    [to_french] = smtp.to(french.email)
    assert _subject(to_english).startswith("The vote “Budget 2027” is open until")
    assert _subject(to_french).startswith("Le vote « Budget 2027 » est ouvert jusqu’au")
    assert f"http://collegia.test/votes/{vote.pk}/" in _body(to_english)
    assert smtp.to(digest.email) == [] and smtp.to(off.email) == []
    assert to_english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = to_english["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://collegia.test/notifications/unsubscribe/")
    assert link in _body(to_english)
    statuses = dict(
        Notification.objects.filter(kind="vote.opened").values_list("person_id", "email_status")
    )
    assert statuses[english.pk] == EmailStatus.SENT
    assert statuses[digest.pk] == EmailStatus.QUEUED
    assert statuses[off.pk] == EmailStatus.NONE


def test_one_click_unsubscribe_works_without_signing_in_and_get_changes_nothing(
    smtp: Inbox,
) -> None:
    coop = _small_coop()
    person = coop.person("Workers")
    make_vote(coop, title="Budget 2027")
    mailer.tick()
    [message] = smtp.to(person.email)
    path = urlsplit(message["List-Unsubscribe"].strip("<>")).path
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(path)
    assert page.status_code == 200
    assert not person.notification_preferences.exists()
    assert b'<form method="post">' in page.content

    # What a mail client sends for RFC 8058: a POST with this body, no cookie, no token.
    done = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert person.notification_preferences.get(kind="vote.opened").mode == EmailMode.OFF
    make_vote(coop, title="Second vote")
    assert Notification.objects.filter(person=person, kind="vote.opened").count() == 2
    mailer.tick()
    assert len(smtp.to(person.email)) == 1  # the second vote is in the app only
    assert browser.get(path[:-5] + "xxxx/").status_code == 404


def test_a_legal_convocation_cannot_be_turned_off() -> None:
    coop = _small_coop()
    with pytest.raises(InvalidInput) as refused:
        notification_preference_set(
            person=coop.person("Workers"), kind="assembly.convocation", mode=EmailMode.OFF
        )
    assert refused.value.code == "notification_kind_unknown"
    from core.notices import KINDS, allowed_modes

    assert KINDS["assembly.convocation"].legal
    with pytest.raises(InvalidInput):
        notification_preference_set(
            person=coop.person("Workers"), kind="nonexistent", mode=EmailMode.OFF
        )
    assert all(value != EmailMode.OFF for value, _l in allowed_modes(KINDS["assembly.convocation"]))


def test_a_refused_send_is_retried_later_and_then_sent_once() -> None:
    coop = _small_coop()
    person = coop.person("Workers")
    down = _free_port()  # nothing listens here
    with _smtp_settings(down):
        notify(people=[person], kind="mention", data={"who": "Claire", "title": "Pay"})
        assert mailer.tick().sent == 0
    row = Notification.objects.get(person=person, kind="mention")
    assert row.email_status == EmailStatus.QUEUED
    assert row.email_attempts == 1 and row.email_error
    assert row.email_next_at is not None and row.email_next_at > timezone.now()

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with _smtp_settings(port):
            assert mailer.tick().sent == 0  # not yet due
            later = row.email_next_at + dt.timedelta(seconds=1)
            assert mailer.tick(now=later).sent == 1
            assert mailer.tick(now=later + dt.timedelta(hours=2)).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT and row.email_attempts == 2


def test_a_row_left_sending_by_a_stopped_worker_is_never_sent_again(smtp: Inbox) -> None:
    coop = _small_coop()
    person = coop.person("Workers")
    notify(people=[person], kind="mention", data={"who": "Claire", "title": "Pay"})
    claimed = mailer._claim(EmailMode.IMMEDIATE, now=timezone.now(), limit=10)
    assert [r.person_id for r in claimed] == [person.pk]
    # The worker "dies" here; another worker finds nothing to send.
    assert mailer.tick().sent == 0
    assert mailer.release_stuck(now=timezone.now() + dt.timedelta(hours=2)) == 1
    assert mailer.tick(now=timezone.now() + dt.timedelta(hours=3)).sent == 0
    assert smtp.messages == []
    assert Notification.objects.get(person=person).email_status == EmailStatus.FAILED


def test_the_daily_digest_groups_each_persons_notices_in_one_email(smtp: Inbox) -> None:
    coop = _small_coop()
    people = coop.people("Workers")
    for person in people:
        notification_preference_set(person=person, kind="vote.opened", mode=EmailMode.DIGEST)
    # Publishing a proposal is a digest notice by default; the vote opening by choice.
    make_proposal(coop)
    make_vote(coop, title="Budget 2027")
    assert mailer.tick().digests == 0  # not before the digest hour
    assert {m["To"] for m in smtp.messages} == {p.email for p in coop.everyone[2:]}
    smtp.messages.clear()

    at = next_digest_at(timezone.now())
    assert mailer.tick(now=at).digests == len(coop.everyone)
    for person in people:
        [digest] = smtp.to(person.email)
        body = _body(digest)
        assert "Raise courier pay" in body and "Budget 2027" in body
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailer.tick(now=at + dt.timedelta(days=1)).digests == 0


def test_the_reminder_goes_once_to_those_who_have_not_voted(smtp: Inbox) -> None:
    coop = _small_coop()
    now = timezone.now()
    vote = make_vote(coop, title="Budget 2027", closes_at=now + dt.timedelta(days=3))
    voter = coop.person("Workers", 0)
    cast(voter, vote, "for")
    mailer.tick()
    smtp.messages.clear()

    early = scheduler.tick(now=now + dt.timedelta(hours=1))
    assert early.reminded == []
    later = now + dt.timedelta(days=2, hours=1)  # 23 hours before the close
    first = scheduler.tick(now=later)
    second = scheduler.tick(now=later + dt.timedelta(minutes=5))
    assert first.reminded == [vote.pk] and second.reminded == []
    assert remind_vote(vote, now=later) is None  # a second scheduler inserts nothing
    reminded = set(
        Notification.objects.filter(kind="vote.closing").values_list("person_id", flat=True)
    )
    assert reminded == {p.pk for p in coop.everyone} - {voter.pk}
    assert NoticeJob.objects.get(key=f"vote.closing:{vote.pk}").recipients == len(reminded)
    mailer.tick(now=later)
    mailer.tick(now=later + dt.timedelta(minutes=10))
    assert len(smtp.messages) == len(reminded)
    assert smtp.to(voter.email) == []


def test_a_notice_is_rendered_in_the_readers_language() -> None:
    data = {"title": "Budget", "closes_at": "2027-03-17T18:00:00+01:00"}
    english = render_in("en", "vote.opened", data)
    french = render_in("fr", "vote.opened", data)
    assert english.startswith("The vote “Budget” is open until 17")
    assert french.startswith("Le vote « Budget » est ouvert jusqu’au 17")
    assert render_in("en", "vote.opened", {"title": "B", "closes_at": ""}) == (
        "The vote “B” is open until the board closes it."
    )
    assert render_in("en", "vote.result", {"title": "B", "outcome": "adopted"}).endswith("adopted.")
    assert render_in("fr", "vote.result", {"title": "B", "outcome": "adopted"}).endswith("adoptée.")


def test_opening_a_vote_writes_its_notifications_in_one_statement() -> None:
    coop = make_coop({"Workers": 30, "Users": 10, "Suppliers": 5, "Authorities": 5})
    vote = make_vote(coop, open_now=False)
    from voting import services

    with CaptureQueriesContext(connection) as queries:
        services.vote_open(actor=coop.chair, vote=vote)
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "core_notification"')]
    inserts += [q for q in queries if q["sql"].startswith("INSERT INTO core_notification")]
    assert len(inserts) == 1
    assert Notification.objects.filter(kind="vote.opened").count() == 50
