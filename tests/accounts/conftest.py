"""A real OpenID Connect provider for the sign-on tests (``oidc_provider.mjs``: panva's
certified ``oidc-provider`` under Node), the settings that point the platform at it, and a
person's way through its sign-in and consent pages, walked over real HTTP.

``TamperingProxy`` sits, when a test asks for it, between the platform and the provider's token
endpoint and rewrites the identity token as an attacker on the path would: re-signed with the
attacker's own key, or with the provider's real key but expired, for another audience or from
another issuer. The provider itself is never replaced."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

PROVIDER_SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "ramallah-gis"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"
KEY_ID = "national-sso-2026"
CALLBACK = "http://testserver/sso/callback/"

# Who the provider knows, and what it says of them.
ACCOUNTS = {
    "amal.planner": {
        "name": "Amal Haddad",
        "given_name": "Amal",
        "family_name": "Haddad",
        "email": "amal.haddad@ramallah.example",
        "email_verified": True,
        "roles": ["planner"],
    },
    "omar.citizen": {
        "name": "Omar Nasser",
        "given_name": "Omar",
        "family_name": "Nasser",
        "email": "omar@example.ps",
        "email_verified": False,
        "roles": [],
    },
    "sami.ministry": {
        "given_name": "Sami",
        "family_name": "Khalil",
        "roles": ["moi:gis-dispatch", "moi:archive-reader"],
    },
    "rana.admin": {"given_name": "Rana", "roles": ["administrator"]},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_jwk(key: rsa.RSAPrivateKey, *, kid: str = KEY_ID) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass
class OIDCProvider:
    """A running provider: its issuer, its signing key, and the file of its accounts."""

    issuer: str
    key: rsa.RSAPrivateKey
    accounts_file: Path
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)

    def endpoint(self, path: str) -> str:
        return f"{self.issuer}{path}"

    def account_set(self, login: str, claims: dict) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = claims
        self.accounts_file.write_text(json.dumps(accounts))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process.stdout.close()


def provider_start(tmp_dir: Path, *, redirect_uris: list[str], logout_uris: list[str]):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    accounts_file = tmp_dir / "accounts.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "OIDC_TEST_PORT": str(port),
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_TEST_POST_LOGOUT_URIS": ",".join(logout_uris),
        "OIDC_TEST_JWKS": json.dumps({"keys": [private_jwk(key)]}),
        "OIDC_TEST_ACCOUNTS_FILE": str(accounts_file),
    }
    process = subprocess.Popen(
        ["node", str(PROVIDER_SCRIPT)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()  # "listening <issuer>" once it serves
    if not line.startswith("listening "):
        process.kill()
        process.wait()
        process.stdout.close()
        raise RuntimeError(f"the OIDC provider did not start: {line!r}")
    return OIDCProvider(
        issuer=line.split()[1], key=key, accounts_file=accounts_file, process=process
    )


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[OIDCProvider]:
    provider = provider_start(
        tmp_path_factory.mktemp("oidc"),
        redirect_uris=[CALLBACK],
        logout_uris=["http://testserver/en/", "http://testserver/ar/"],
    )
    yield provider
    provider.stop()


def sign_on_settings(provider: OIDCProvider, *, token_endpoint: str | None = None) -> dict:
    return {
        "OIDC_ENABLED": True,
        "OIDC_ISSUER": provider.issuer,
        "OIDC_PROVIDER_NAME": "Test national sign-on",
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": provider.endpoint("/auth"),
        "OIDC_OP_TOKEN_ENDPOINT": token_endpoint or provider.endpoint("/token"),
        "OIDC_OP_USER_ENDPOINT": provider.endpoint("/me"),
        "OIDC_OP_JWKS_ENDPOINT": provider.endpoint("/jwks"),
        "OIDC_OP_LOGOUT_ENDPOINT": provider.endpoint("/session/end"),
    }


@pytest.fixture
def sign_on(settings, oidc_provider) -> OIDCProvider:
    """Single sign-on on, pointed at the test provider."""
    for name, value in sign_on_settings(oidc_provider).items():
        setattr(settings, name, value)
    settings.OIDC_ROLE_MAP = {**settings.OIDC_ROLE_MAP, "moi:gis-dispatch": "dispatcher"}
    return oidc_provider


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>.*?name="prompt" value="(\w+)"', re.S)


def provider_walk(
    authorize_url: str, *, login: str, until: str = "http://testserver/", abort: bool = False
) -> str:
    """What a person's browser does at the provider: open the authorization URL, sign in as
    ``login`` (any password: the provider's development pages accept it), consent, and
    follow the redirects back. Returns the URL the provider sends the browser to."""
    browser = requests.Session()
    url = authorize_url
    for _step in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(until):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
        match = _FORM.search(response.text)
        assert match, f"no sign-in or consent form at {url}: {response.status_code}"
        action, prompt = urljoin(url, match.group(1)), match.group(2)
        if abort:
            url = action.rstrip("/") + "/abort"  # the pages' "Cancel" link
            continue
        data = {"prompt": prompt, "login": login, "password": "any"}
        response = browser.post(action, data=data, allow_redirects=False, timeout=10)
        url = urljoin(action, response.headers["Location"])
        if url.startswith(until):
            return url
    raise AssertionError("the provider never sent the browser back")


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_on_walk(client, *, login: str, next_page: str = "") -> tuple[object, str]:
    """Start a sign-on from ``client`` and walk the provider's pages; returns the start's
    response and the callback address (path and query) the provider sent the browser to."""
    start = client.get("/sso/start/" + (f"?next={next_page}" if next_page else ""))
    assert start.status_code == 302, start.content[:500]
    return start, local_path(provider_walk(start["Location"], login=login))


class TamperingProxy:
    """An attacker on the path to the token endpoint: forwards to the real provider, then
    rewrites the identity token with ``rewrite(claims) -> (claims, signing key)``."""

    def __init__(self, provider: OIDCProvider) -> None:
        self.provider = provider
        self.rewrite: Callable[[dict], tuple[dict, rsa.RSAPrivateKey]] | None = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                upstream = requests.post(
                    proxy.provider.endpoint("/token"),
                    data=body,
                    headers={"Content-Type": self.headers["Content-Type"]},
                    timeout=10,
                )
                answer = upstream.json()
                if upstream.ok and proxy.rewrite is not None:
                    claims = jwt.decode(answer["id_token"], options={"verify_signature": False})
                    claims, key = proxy.rewrite(claims)
                    answer["id_token"] = jwt.encode(
                        claims, key, algorithm="RS256", headers={"kid": KEY_ID}
                    )
                payload = json.dumps(answer).encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tampering(settings, sign_on) -> Iterator[TamperingProxy]:
    proxy = TamperingProxy(sign_on)
    settings.OIDC_OP_TOKEN_ENDPOINT = proxy.url
    yield proxy
    proxy.close()


def now() -> int:
    return int(time.time())


@pytest.fixture(autouse=True)
def english(client, settings):
    """The test client reads pages in English (Arabic is the platform's default), so that
    messages can be checked by their words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
