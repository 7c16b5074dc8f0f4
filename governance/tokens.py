"""API tokens: django-rest-knox tokens, stored as SHA-512 digests with a lifetime.

The database keeps a token's digest and its first 15 characters (its public id, shown
to its owner to tell tokens apart), never the token: a database reader cannot use one.
A token lives `API_TOKEN_TTL` days. Its owner lists and revokes their tokens; signing
out everywhere revokes all of them, ends every web session and closes the person's
live connections.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.models import AuthToken

from core.errors import NotFound
from core.events import person_group, publish
from governance.models import Person


class ApiTokenAuthentication(TokenAuthentication):  # type: ignore[misc]
    """Knox's token authentication in one statement per request: the token row with its
    person. Knox also sweeps the person's other expired tokens on every request (one more
    statement on the path every ballot takes); here an expired token is refused (and
    removed) when it is used, and `api_token_list` leaves the others out."""

    def _cleanup_token(self, auth_token: Any) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The token scheme in the OpenAPI schema: `Authorization: Token <token>`."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


def person_for_token(key: str) -> Person | None:
    """The active person a token authenticates, or None (unknown, expired or revoked)."""
    from rest_framework.exceptions import AuthenticationFailed

    try:
        person, _token = ApiTokenAuthentication().authenticate_credentials(key.encode())
    except (AuthenticationFailed, UnicodeError, ValueError):
        return None
    found: Person = person
    return found


def token_id(token: AuthToken) -> str:
    return str(token.token_key)


@transaction.atomic
def api_token_create(*, person: Person) -> tuple[AuthToken, str]:
    """Issue a token for the person; the token itself is returned once, never stored."""
    token, key = AuthToken.objects.create(user=person)
    return token, key


def api_token_list(*, person: Person) -> QuerySet[AuthToken]:
    """The person's live tokens, newest first; expired ones no longer count."""
    live = Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
    tokens: QuerySet[AuthToken] = AuthToken.objects.filter(live, user=person).order_by(
        "-created", "token_key"
    )
    return tokens


@transaction.atomic
def api_token_revoke(*, person: Person, token_key: str) -> None:
    """Revoke one of the person's tokens by its id; 404 for a token not theirs. Live
    connections opened with it close."""
    deleted, _by_model = AuthToken.objects.filter(user=person, token_key=token_key).delete()
    if not deleted:
        raise NotFound(_("No such token."))
    publish(
        {"type": "access.changed", "reason": "logout", "token": token_key},
        groups=[person_group(person.pk)],
    )


@transaction.atomic
def person_sign_out_everywhere(*, person: Person) -> int:
    """Revoke every token of the person, end every web session of theirs (the session
    hash changes with `sessions_epoch`), and close all their live connections, by token
    or by session. Returns the number of tokens revoked."""
    revoked, _by_model = AuthToken.objects.filter(user=person).delete()
    Person.objects.filter(pk=person.pk).update(sessions_epoch=F("sessions_epoch") + 1)
    person.refresh_from_db(fields=["sessions_epoch"])
    publish(
        {"type": "access.changed", "reason": "logout", "everywhere": True},
        groups=[person_group(person.pk)],
    )
    return int(revoked)
