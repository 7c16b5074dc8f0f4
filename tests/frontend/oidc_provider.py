"""A small OpenID Connect provider for the single sign-on tests, built on Authlib's server.

It is a real HTTP server (on a free port): discovery, JWKS, an authorization page where the
agent types their address and approves, the token endpoint (authorization code, PKCE) and
userinfo. Authlib's AuthorizationServer, AuthorizationCodeGrant, CodeChallenge and
OpenIDCode do the protocol; this module only stores clients, codes and tokens in memory.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

# Authlib refuses plain http unless told it runs in a test.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from authlib.oauth2 import AuthorizationServer  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request  # noqa: E402
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant  # noqa: E402
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402
from authlib.oidc.core import UserInfo  # noqa: E402
from authlib.oidc.core.grants import OpenIDCode  # noqa: E402
from authlib.oidc.core.models import AuthorizationCodeMixin  # noqa: E402
from joserfc.jwk import RSAKey  # noqa: E402


@dataclass
class Agent:
    sub: str
    email: str
    name: str


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_prefix: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_prefix

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "email", "profile"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri.startswith(self.redirect_prefix)

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    agent: Agent
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return "0"

    def get_amr(self) -> list[str]:
        return ["pwd"]


class Provider:
    """The provider's state: one client, its agents, codes and tokens, and a signing key."""

    def __init__(self, client_id: str, client_secret: str, redirect_prefix: str) -> None:
        self.client = Client(client_id, client_secret, redirect_prefix)
        self.agents: dict[str, Agent] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Agent] = {}
        self.key = RSAKey.generate_key(2048, parameters={"kid": "sso-test"}, private=True)
        self.issuer = ""
        self.requests: list[str] = []
        self.server = self._authorization_server()

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.tokens[token["access_token"]] = request.user

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                return request

            def handle_response(self, status: int, body: Any, headers: Any) -> Any:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=data.get("redirect_uri", ""),
                    scope=request.scope,
                    agent=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Agent:
                return authorization_code.agent

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> Any:
                return provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "sso-test"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                now = int(time.time())
                return {"iss": provider.issuer, "aud": [client.client_id], "exp": now + 600}

            def generate_user_info(self, user: Agent, scope: str) -> UserInfo:
                return provider.user_info(user)

        server = Server()
        server.register_token_generator("default", BearerTokenGenerator(_token))
        server.register_grant(CodeGrant, [CodeChallenge(required=False), OpenID()])
        return server

    def user_info(self, agent: Agent) -> UserInfo:
        given, _sp, family = agent.name.partition(" ")
        return UserInfo(
            sub=agent.sub,
            email=agent.email,
            email_verified=True,
            name=agent.name,
            given_name=given,
            family_name=family,
        )

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}


def _token(*_args: Any, **_kwargs: Any) -> str:
    return secrets.token_urlsafe(24)


class _Request(OAuth2Request):
    def __init__(self, method: str, uri: str, headers: dict[str, str], form: dict[str, str]):
        super().__init__(method, uri, headers=headers)
        query = dict(parse_qsl(urlsplit(uri).query))
        self._args = query
        self._form = form
        self.payload = BasicOAuth2Payload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: Any = (), content: str = "") -> None:
            if isinstance(body, dict):
                body, content = json.dumps(body), "application/json"
            data = (body or "").encode()
            self.send_response(status)
            for name, value in dict(headers or {}).items():
                self.send_header(name, value)
            if content:
                self.send_header("Content-Type", content)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _request(self) -> _Request:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            return _Request(
                self.command,
                provider.issuer + self.path,
                dict(self.headers.items()),
                dict(parse_qsl(raw)),
            )

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            provider.requests.append(f"GET {path}")
            if path == "/.well-known/openid-configuration":
                return self._send(200, provider.discovery())
            if path == "/jwks":
                return self._send(200, provider.jwks())
            if path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                agent = provider.tokens.get(token)
                if agent is None:
                    return self._send(401, {"error": "invalid_token"})
                return self._send(200, dict(provider.user_info(agent)))
            if path == "/authorize":
                request = self._request()
                provider.server.get_consent_grant(request=request, end_user=None)
                query = html.escape(urlsplit(self.path).query, quote=True)
                page = (
                    "<!doctype html><html lang='fr'><head><title>Métropole SSO</title></head>"
                    "<body><h1>Métropole : connexion des agents</h1>"
                    f"<form method='post' action='/authorize?{query}'>"
                    "<label for='email'>Adresse</label>"
                    "<input id='email' name='email' type='email'>"
                    "<button id='approve' type='submit'>Autoriser</button></form></body></html>"
                )
                return self._send(200, page, content="text/html; charset=utf-8")
            return self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            provider.requests.append(f"POST {path}")
            request = self._request()
            if path == "/authorize":
                agent = provider.agents.get(request.form.get("email", "").lower())
                if agent is None:
                    return self._send(403, "unknown agent", content="text/plain")
                grant = provider.server.get_consent_grant(request=request, end_user=agent)
                status, body, headers = provider.server.create_authorization_response(
                    request=request, grant_user=agent, grant=grant
                )
                return self._send(status, body, headers)
            if path == "/token":
                status, body, headers = provider.server.create_token_response(request)
                return self._send(status, body, headers)
            return self._send(404, {"error": "not_found"})

    return Handler


class RunningProvider:
    def __init__(self, provider: Provider, server: ThreadingHTTPServer) -> None:
        self.provider = provider
        self.server = server
        self.url = provider.issuer

    def add_agent(self, email: str, name: str) -> Agent:
        agent = Agent(sub=secrets.token_hex(8), email=email, name=name)
        self.provider.agents[email.lower()] = agent
        return agent

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_provider(*, client_id: str, client_secret: str, redirect_prefix: str) -> RunningProvider:
    """Serve the provider on 127.0.0.1 on a port the system picks."""
    provider = Provider(client_id, client_secret, redirect_prefix)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return RunningProvider(provider, server)


def query_of(params: dict[str, str]) -> str:
    return urlencode(params)
