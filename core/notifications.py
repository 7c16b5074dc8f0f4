"""Notifications: written inside the caller's transaction (in the app, and queued for e-mail
by the person's preference), pushed live after commit; preferences, language, feed reset."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import EmailMode, EmailStatus
from core.errors import InvalidInput
from core.events import person_group, publish
from core.models import Notification, NotificationPreference
from core.notices import KINDS, Kind
from core.people import PersonLike


def digest_hour() -> int:
    options: dict[str, Any] = settings.COLLEGIA
    return int(options.get("NOTIFICATION_DIGEST_HOUR", 7))


def next_digest_at(now: dt.datetime) -> dt.datetime:
    """The next daily digest after `now`: at NOTIFICATION_DIGEST_HOUR, local time."""
    local = timezone.localtime(now)
    at = local.replace(hour=digest_hour(), minute=0, second=0, microsecond=0)
    if at <= local:
        at += dt.timedelta(days=1)
    return at


def _kind(key: str) -> Kind:
    spec = KINDS.get(key)
    if spec is None:
        raise ValueError(f"Unknown notification kind {key!r}")
    return spec


def _email_columns(
    spec: Kind, mode: str, address: str, now: dt.datetime
) -> tuple[str, str, dt.datetime | None]:
    if not spec.email:
        return "", "", None
    if mode == EmailMode.OFF or not address.strip():
        return mode, "", None
    return mode, EmailStatus.QUEUED, now if mode == EmailMode.IMMEDIATE else next_digest_at(now)


def notify(
    *,
    people: Iterable[Any],
    kind: str,
    data: dict[str, Any],
    cooperative_id: int | None = None,
    url: str = "",
    message: str = "",
    once_key: str = "",
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Create one notification per person (kind and parameters; the text is rendered for
    the reader), queue its e-mail as each person chose, and push `notification.created`
    to each after commit. For a few people; `notify_set` writes a whole roll at once."""
    spec = _kind(kind)
    people = list({p.pk: p for p in people}.values())
    if not people:
        return []
    now = now or timezone.now()
    chosen = dict(
        NotificationPreference.objects.filter(
            person__in=[p.pk for p in people], kind=kind
        ).values_list("person_id", "mode")
    )
    rows = []
    for person in people:
        mode, status, next_at = _email_columns(
            spec, chosen.get(person.pk, spec.default), person.email or "", now
        )
        rows.append(
            Notification(
                person=person,
                cooperative_id=cooperative_id,
                kind=kind,
                message=message[:500],
                data=data,
                url=url,
                once_key=once_key,
                email_mode=mode,
                email_status=status,
                email_next_at=next_at,
            )
        )
    created = Notification.objects.bulk_create(rows, ignore_conflicts=bool(once_key))
    for notification in created:
        publish(
            {"type": "notification.created", "id": notification.pk, "kind": kind},
            groups=[person_group(notification.person_id)],
        )
    return created


def notify_set(
    *,
    person_ids: models.QuerySet[Any],
    kind: str,
    data: dict[str, Any],
    cooperative_id: int | None = None,
    url: str = "",
    once_key: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Notify every person whose id `person_ids` selects, in ONE ``INSERT ... SELECT``:
    the e-mail mode of each comes from a join on the preferences, so a roll of any size
    is written without a row passing through Python. Returns the rows written.

    With `once_key`, a person who already has that notice is skipped (the unique
    (person, once_key) pair), so running it again sends nothing twice. No live push: the
    unread count follows on the person's next page (a push per person of a large roll
    would cost more than the write)."""
    spec = _kind(kind)
    now = now or timezone.now()
    ops = connection.ops
    ids_sql, ids_params = person_ids.query.sql_with_params()
    table = Notification._meta.db_table
    from django.apps import apps

    person_table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    pref_table = NotificationPreference._meta.db_table
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    mode_sql = "COALESCE(pref.mode, %s)"
    if spec.email:
        status_sql = f"CASE WHEN p.email <> '' AND {mode_sql} <> %s THEN %s ELSE '' END"
        status_params: list[Any] = [spec.default, EmailMode.OFF, EmailStatus.QUEUED]
        next_sql = f"CASE {mode_sql} WHEN %s THEN %s WHEN %s THEN %s ELSE NULL END"
        next_params: list[Any] = [
            spec.default,
            EmailMode.IMMEDIATE,
            ops.adapt_datetimefield_value(now),
            EmailMode.DIGEST,
            ops.adapt_datetimefield_value(next_digest_at(now)),
        ]
        mode_params: list[Any] = [spec.default]
        mode_select = mode_sql
    else:
        status_sql, status_params, next_sql, next_params = "''", [], "NULL", []
        mode_select, mode_params = "''", []
    conflict = " ON CONFLICT DO NOTHING" if once_key else ""
    sql = (
        f"INSERT INTO {table} (person_id, cooperative_id, kind, message, data, url, created_at,"
        " read_at, once_key, email_mode, email_status, email_attempts, email_next_at,"
        " email_sent_at, email_error)"
        f" SELECT p.id, %s, %s, '', {json_param}, %s, %s, NULL, %s, {mode_select},"
        f" {status_sql}, 0, {next_sql}, NULL, ''"
        f" FROM {person_table} p"
        f" LEFT JOIN {pref_table} pref ON pref.person_id = p.id AND pref.kind = %s"
        f" WHERE p.is_active = %s AND p.id IN ({ids_sql}){conflict}"
    )
    params = [
        cooperative_id,
        kind,
        json.dumps(data, cls=_Encoder),
        url,
        ops.adapt_datetimefield_value(now),
        once_key,
        *mode_params,
        *status_params,
        *next_params,
        kind,
        True,
        *ids_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written: int = max(cursor.rowcount, 0)
        return written


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return str(o)


def notification_mark_read(*, person: PersonLike, ids: Iterable[int]) -> int:
    return Notification.objects.filter(
        person_id=person.pk, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=timezone.now())


def notification_mark_all_read(*, person: PersonLike) -> int:
    return Notification.objects.filter(person_id=person.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preference_set(
    *, person: PersonLike, kind: str, mode: str
) -> NotificationPreference:
    """Set how a person receives one kind by e-mail. A legal notice cannot be turned off."""
    spec = KINDS.get(kind)
    if spec is None or not spec.email:
        raise InvalidInput(
            code="notification_kind_unknown",
            message=_("This kind of notification has no e-mail to choose."),
        )
    if mode not in EmailMode.values:
        raise InvalidInput(code="notification_mode_unknown", message=_("Unknown e-mail mode."))
    if spec.legal and mode == EmailMode.OFF:
        raise InvalidInput(
            code="notification_legal",
            message=_("A legal convocation cannot be turned off."),
        )
    preference, _created = NotificationPreference.objects.update_or_create(
        person_id=person.pk, kind=kind, defaults={"mode": mode}
    )
    if mode == EmailMode.OFF:
        # What is still waiting for the e-mail of this kind is not sent either.
        Notification.objects.filter(
            person_id=person.pk, kind=kind, email_status=EmailStatus.QUEUED
        ).update(email_status=EmailStatus.NONE, email_next_at=None, email_mode=EmailMode.OFF)
    return preference


@transaction.atomic
def notifications_unsubscribe(*, person: PersonLike, kind: str = "") -> list[str]:
    """Turn off the e-mail of one kind, or of every kind that may be turned off (a
    digest's link); return the kinds turned off."""
    kinds = [kind] if kind else [k.key for k in KINDS.values() if k.email and not k.legal]
    done = []
    for key in kinds:
        spec = KINDS.get(key)
        if spec is None or not spec.email or spec.legal:
            continue
        notification_preference_set(person=person, kind=key, mode=EmailMode.OFF)
        done.append(key)
    return done


@transaction.atomic
def person_language_set(*, person: PersonLike, language: str) -> PersonLike:
    """The language of the person's e-mails (FR or EN)."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(code="language_unknown", message=_("Unknown language."))
    get_user_model().objects.filter(pk=person.pk).update(language=language)
    person.language = language
    return person


@transaction.atomic
def calendar_feed_reset(*, person: PersonLike) -> PersonLike:
    """Give the person's calendar feed a new secret address; the old one stops working."""
    get_user_model().objects.filter(pk=person.pk).update(calendar_epoch=F("calendar_epoch") + 1)
    person.refresh_from_db(fields=["calendar_epoch"])
    return person
