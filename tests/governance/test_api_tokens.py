"""API tokens: stored as digests, with a lifetime, listed and revoked by their owner, all
revoked (with every session and live connection) by signing out everywhere."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from deliberation.consumers import CLOSE_UNAUTHENTICATED
from governance import tokens
from tests.deliberation.factories import Room, make_room
from tests.deliberation.wsutil import closed_with, communicator, frames, next_frame
from tests.governance.factories import PersonFactory, api_token

pytestmark = pytest.mark.django_db


def _client(key: str | None = None) -> APIClient:
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _obtain(username: str = "ana", password: str = "s3cret-pass") -> dict[str, Any]:
    response = _client().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def _all_stored_text() -> str:
    """Every column of every token row, as a database reader sees them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_a_token_is_stored_as_a_digest_a_database_reader_cannot_use() -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    body = _obtain()
    key = body["token"]
    assert _client(key).get("/api/v1/me/").json()["username"] == "ana"
    stored = _all_stored_text()
    assert key not in stored
    row = AuthToken.objects.get()
    assert row.digest == hashlib.sha512(key.encode()).hexdigest()
    assert body["id"] == row.token_key == key[:15]
    for stolen in (row.digest, row.token_key):
        response = _client(stolen).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"


def test_each_sign_in_issues_a_new_token_that_lives_api_token_ttl_days() -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    first, second = _obtain(), _obtain()
    assert first["token"] != second["token"]
    row = AuthToken.objects.get(token_key=first["id"])
    assert row.expiry is not None
    assert row.expiry - row.created == pytest.approx(dt.timedelta(days=90), abs=dt.timedelta(1))


def test_an_expired_token_is_refused_and_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    person = PersonFactory()
    key = api_token(person)
    assert _client(key).get("/api/v1/me/").status_code == 200
    later = timezone.now() + dt.timedelta(days=91)
    monkeypatch.setattr(timezone, "now", lambda: later)
    fresh = api_token(person)
    listed = _client(fresh).get("/api/v1/auth/tokens/").json()["results"]
    assert [item["id"] for item in listed] == [fresh[:15]]
    assert _client(key).get("/api/v1/me/").status_code == 401
    assert list(AuthToken.objects.filter(user=person).values_list("token_key", flat=True)) == [
        fresh[:15]
    ]


def test_the_owner_lists_and_revokes_their_tokens_and_no_one_elses() -> None:
    ana, ben = PersonFactory(), PersonFactory()
    first, second, bens = api_token(ana), api_token(ana), api_token(ben)
    listing = _client(first).get("/api/v1/auth/tokens/").json()
    assert len(listing["results"]) == 2 and listing["next"] is None
    ids = {item["id"]: item for item in listing["results"]}
    assert set(ids) == {first[:15], second[:15]}
    assert ids[first[:15]]["current"] is True and ids[second[:15]]["current"] is False
    assert all(item["expires_at"] for item in listing["results"])
    assert "token" not in listing["results"][0]

    # Someone else's token is missing, not forbidden: its existence does not leak.
    foreign = _client(first).post(f"/api/v1/auth/tokens/{bens[:15]}/revoke/")
    assert foreign.status_code == 404 and foreign.json()["code"] == "not_found"
    assert _client(bens).get("/api/v1/me/").status_code == 200

    assert _client(first).post(f"/api/v1/auth/tokens/{second[:15]}/revoke/").status_code == 204
    assert _client(second).get("/api/v1/me/").status_code == 401
    assert len(_client(first).get("/api/v1/auth/tokens/").json()["results"]) == 1


def test_signing_out_everywhere_revokes_every_token_and_ends_every_session() -> None:
    person = PersonFactory(username="ana", password="s3cret-pass")
    first, second = api_token(person), api_token(person)
    other = api_token(PersonFactory())
    browser = Client()
    assert browser.login(username="ana", password="s3cret-pass")
    assert browser.get("/api/v1/me/").status_code == 200

    response = _client(first).post("/api/v1/auth/sign-out-everywhere/")
    assert response.status_code == 200 and response.json() == {"tokens_revoked": 2}
    for key in (first, second):
        assert _client(key).get("/api/v1/me/").status_code == 401
    assert _client(other).get("/api/v1/me/").status_code == 200
    # The browser's session was signed with the former sessions epoch: it is over.
    assert browser.get("/api/v1/me/").status_code in (401, 403)
    # Signing in again works, and the new session lasts.
    assert browser.login(username="ana", password="s3cret-pass")
    assert browser.get("/api/v1/me/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_signing_out_everywhere_closes_token_and_session_sockets() -> None:
    room: Room = make_room()
    async_to_sync(get_channel_layer().flush)()
    for _token in range(2):
        api_token(room.member)

    async def scenario() -> None:
        by_token = communicator(room.member, room.proposal.pk, auth_method="token")
        connected, _code = await by_token.connect()
        assert connected
        await next_frame(by_token, "room.welcome")
        by_session = communicator(room.member, room.proposal.pk, session_key="abc")
        connected, _code = await by_session.connect()
        assert connected
        await next_frame(by_session, "room.welcome")

        from channels.db import database_sync_to_async

        await database_sync_to_async(tokens.person_sign_out_everywhere)(person=room.member)
        assert await closed_with(by_token) == CLOSE_UNAUTHENTICATED
        assert await closed_with(by_session) == CLOSE_UNAUTHENTICATED

    async_to_sync(scenario)()
    assert not AuthToken.objects.filter(user=room.member).exists()


@pytest.mark.django_db(transaction=True)
def test_revoking_one_token_closes_the_sockets_opened_with_it_only() -> None:
    from config.routing import websocket_application

    room: Room = make_room()
    async_to_sync(get_channel_layer().flush)()
    revoked, kept = api_token(room.member), api_token(room.member)
    path = f"/ws/proposals/{room.proposal.pk}/"

    def socket(key: str) -> WebsocketCommunicator:
        headers = [(b"origin", b"http://testserver"), (b"authorization", f"Token {key}".encode())]
        return WebsocketCommunicator(websocket_application, path, headers=headers)

    async def scenario() -> None:
        from channels.db import database_sync_to_async

        gone, stays = socket(revoked), socket(kept)
        for comm in (gone, stays):
            connected, _code = await comm.connect()
            assert connected
            await next_frame(comm, "room.welcome")
        await database_sync_to_async(tokens.api_token_revoke)(
            person=room.member, token_key=revoked[:15]
        )
        assert await closed_with(gone) == CLOSE_UNAUTHENTICATED
        assert await frames(stays) == []  # neither a frame nor a close
        refused, _code = await socket(revoked).connect()
        assert not refused
        await stays.disconnect()

    async_to_sync(scenario)()


def test_existing_authtoken_keys_are_hashed_and_keep_working() -> None:
    """The migration from rest_framework.authtoken: the former table (usable keys in
    clear) becomes digests, the table is dropped, and the clients' keys still work."""
    from importlib import import_module

    migration = import_module("governance.migrations.0004_hash_existing_api_tokens")
    person = PersonFactory()
    old_key = "a" * 8 + "0123456789abcdef0123456789abcdef"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE authtoken_token ({quote('key')} varchar(40) PRIMARY KEY,"
            f" {quote('created')} timestamp with time zone NOT NULL,"
            f" {quote('user_id')} bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [old_key, timezone.now() - dt.timedelta(days=400), person.pk],
        )
    migration.hash_existing_tokens(apps, SimpleNamespace(connection=connection))
    assert "authtoken_token" not in connection.introspection.table_names()
    assert old_key not in _all_stored_text()
    assert _client(old_key).get("/api/v1/me/").json()["id"] == person.pk
    row = AuthToken.objects.get(user=person)
    assert row.expiry is not None and row.expiry > timezone.now() + dt.timedelta(days=89)


def test_the_tokens_page_issues_lists_revokes_and_signs_out_everywhere() -> None:
    person = PersonFactory(username="ana", password="s3cret-pass")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(person)
    home = browser.get("/")
    assert b'href="/accounts/tokens/"' in home.content

    created = browser.post("/accounts/tokens/", {"action": "create"})
    assert created.status_code == 200
    row = AuthToken.objects.get(user=person)
    shown = created.content.decode()
    start = shown.index('id="new-token">') + len('id="new-token">')
    key = shown[start : shown.index("<", start)]
    assert key.startswith(row.token_key) and _client(key).get("/api/v1/me/").status_code == 200
    again = browser.get("/accounts/tokens/").content.decode()
    assert row.token_key in again and key not in again

    revoked = browser.post("/accounts/tokens/", {"action": "revoke", "id": row.token_key})
    assert revoked.status_code == 302
    assert _client(key).get("/api/v1/me/").status_code == 401

    other = api_token(person)
    done = browser.post("/accounts/tokens/", {"action": "everywhere"})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert _client(other).get("/api/v1/me/").status_code == 401
    assert browser.get("/accounts/tokens/").status_code == 302  # signed out


def test_the_schema_documents_the_token_endpoints_and_their_errors(api_client: Any) -> None:
    schema = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    obtain = paths["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(obtain)
    assert "/api/v1/auth/tokens/" in paths
    revoke = paths["/api/v1/auth/tokens/{token_id}/revoke/"]["post"]["responses"]
    assert {"204", "401", "404"} <= set(revoke)
    assert "/api/v1/auth/sign-out-everywhere/" in paths
    token_scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert token_scheme["in"] == "header" and token_scheme["name"] == "Authorization"
    assert {"tokenAuth": []} in paths["/api/v1/auth/tokens/"]["get"]["security"]
