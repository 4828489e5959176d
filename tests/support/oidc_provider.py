"""A real OpenID Connect provider for tests, built on Authlib's server side and served by uvicorn in its own
process: discovery, JWKS (a fresh RSA key), a sign-in form at the authorization endpoint, the authorization
code grant with PKCE required (S256) and nonce required, the token endpoint (client_secret_basic) and userinfo.

    python -m tests.support.oidc_provider --port 9000 --client-id tingke --client-secret s3cret \
        --redirect-uri http://127.0.0.1:8000/auth/oidc/callback --users '{"chen": {"name": "陈老师", ...}}' \
        [--sign-issuer OTHER] [--audience OTHER]

``--sign-issuer`` and ``--audience`` make it sign ID tokens with another issuer or audience than it
advertises: what a misconfigured or hostile provider would send.
"""

from __future__ import annotations

import argparse
import html
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "phone"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic" if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Provider:
    def __init__(self, issuer: str, client: Client, users: dict[str, dict[str, Any]], sign_issuer: str,
                 audience: str) -> None:
        self.issuer, self.client, self.users = issuer, client, users
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"},
                                       private=True)
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, str] = {}  # access token → user
        provider = self

        class Grant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.codes[code] = Code(code, request.client.client_id, data.get("redirect_uri"),
                                            request.payload.scope, request.user, data.get("nonce"),
                                            data.get("code_challenge"), data.get("code_challenge_method"))

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found is not None and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> str:
                return authorization_code.user

        class IDToken(OpenIDCode):
            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "test-key"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": sign_issuer, "aud": [audience]}

            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user: str, scope: str) -> UserInfo:
                return UserInfo(sub=user, **provider.users[user])

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.tokens[token["access_token"]] = request.user

            def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
                return request

            def handle_response(self, status: int, body: Any, headers: Any) -> Response:
                content = json.dumps(body) if isinstance(body, dict) else (body or "")
                return Response(content, status_code=status, headers=dict(headers or []))

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        self.server = Server()
        self.server.register_token_generator("default", BearerTokenGenerator(
            lambda *a, **k: secrets.token_urlsafe(32)))
        self.server.register_grant(Grant, [CodeChallenge(required=True), IDToken(require_nonce=True)])


class StarletteOAuth2Request(OAuth2Request):
    """Authlib's request over a Starlette one: the query and form already read, headers case-insensitive."""

    def __init__(self, request: Request, data: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self._args = dict(request.query_params)
        self._form = data if request.method == "POST" else {}
        self.payload = BasicOAuth2Payload(data)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def _request(request: Request, data: dict[str, str]) -> OAuth2Request:
    return StarletteOAuth2Request(request, data)


def build_app(provider: Provider) -> Starlette:
    async def discovery(_: Request) -> JSONResponse:
        base = provider.issuer
        return JSONResponse({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                             "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/jwks",
                             "userinfo_endpoint": f"{base}/userinfo", "response_types_supported": ["code"],
                             "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                             "code_challenge_methods_supported": ["S256"],
                             "token_endpoint_auth_methods_supported": ["client_secret_basic"]})

    async def jwks(_: Request) -> JSONResponse:
        return JSONResponse({"keys": [provider.key.as_dict(private=False)]})

    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        if request.method == "GET":  # the provider's own sign-in page
            try:
                provider.server.get_consent_grant(_request(request, query), end_user=None)
            except Exception as exc:  # an invalid request is shown, never redirected
                return HTMLResponse(f"<p id='provider-error'>{html.escape(str(exc))}</p>", status_code=400)
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in query.items())
            return HTMLResponse(f"""<!doctype html><meta charset="utf-8"><title>区县统一身份认证</title>
<h1>区县统一身份认证</h1><form method="post">{hidden}
<label>账号 <input name="login" id="provider-login"></label>
<label>密码 <input name="password" type="password" id="provider-password"></label>
<button type="submit" id="provider-submit">登录</button></form>""")
        form = dict(parse_qsl((await request.body()).decode()))
        user = form.pop("login", "")
        if user not in provider.users or form.pop("password", "") != "provider-password":
            return HTMLResponse("<p id='provider-error'>账号或密码错误</p>", status_code=401)
        return provider.server.create_authorization_response(_request(request, form), grant_user=user)

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        return provider.server.create_token_response(_request(request, form))

    async def userinfo(request: Request) -> JSONResponse:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        user = provider.tokens.get(bearer)
        if user is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": user, **provider.users[user]})

    return Starlette(routes=[
        Route("/.well-known/openid-configuration", discovery), Route("/jwks", jwks),
        Route("/authorize", authorize, methods=["GET", "POST"]), Route("/token", token, methods=["POST"]),
        Route("/userinfo", userinfo)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--users", required=True, help="JSON: login → claims")
    parser.add_argument("--sign-issuer", default="")
    parser.add_argument("--audience", default="")
    args = parser.parse_args()
    issuer = f"http://127.0.0.1:{args.port}"
    provider = Provider(issuer, Client(args.client_id, args.client_secret, args.redirect_uri),
                        json.loads(args.users), args.sign_issuer or issuer, args.audience or args.client_id)
    uvicorn.run(build_app(provider), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
