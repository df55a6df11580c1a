"""The hostile-input corpus (tests/hostile.py) against single sign-on's addresses, with the
real test provider behind them: every hostile query is refused on the sign-in page (4xx, the
value never echoed) and leaves the tables as they were. The one table that may change is the
session table: a sign-on keeps its state, nonce and PKCE verifier in the browser's session and
forgets them once they are used or refused."""

from __future__ import annotations

import pytest

from accounts.models import ExternalIdentity
from tests.hostile import INJECTIONS, filter_cases, hostile_endpoint, inert_judge

COVERED = {"sso-start", "sso-callback", "signed-in"}

pytestmark = pytest.mark.django_db
SESSIONS = frozenset({"django_session"})


def _refused_page(payload: str):
    inert = inert_judge(payload)

    def judge(response) -> str | None:
        if not 400 <= response.status_code < 500:
            return f"status {response.status_code}, not a refusal"
        return inert(response)

    return judge


def test_hostile_callbacks_are_refused_on_the_sign_in_page(client, sign_on):
    params = ("code", "state", "error", "iss", "session_state")
    with hostile_endpoint("GET /sso/callback/", ignore_tables=SESSIONS) as run:
        for name, value in filter_cases().items():
            for param in params:
                query = {"code": "c", "state": "s", param: value}
                run.send(
                    f"{param}={name}",
                    lambda q=query: client.get("/sso/callback/", q),
                    judge=_refused_page(value),
                )
            # A real state of this browser's, with a hostile code: the provider refuses the
            # code at its token endpoint, and so do we.
            start = client.get("/sso/start/")
            state = dict(p.split("=", 1) for p in start["Location"].split("?", 1)[1].split("&"))[
                "state"
            ]
            run.send(
                f"valid state, code={name}",
                lambda v=value, s=state: client.get("/sso/callback/", {"code": v, "state": s}),
                judge=_refused_page(value),
            )
        run.send("no query at all", lambda: client.get("/sso/callback/"), judge=_refused_page(""))
    assert not ExternalIdentity.objects.exists()


def test_hostile_starts_never_redirect_anywhere_but_the_provider(client, sign_on):
    with hostile_endpoint("GET /sso/start/", ignore_tables=SESSIONS) as run:
        targets = {**INJECTIONS, "absolute": "https://evil.example/", "scheme": "//evil.example"}
        for name, value in {**filter_cases(), **targets}.items():

            def judge(response) -> str | None:
                if response.status_code != 302:
                    return f"status {response.status_code}"
                if not response["Location"].startswith(sign_on.endpoint("/auth?")):
                    return f"sent to {response['Location'][:80]}"
                kept = client.session.get("oidc_login_next")
                if kept and (kept.startswith("//") or "://" in kept or kept.startswith("\\")):
                    return f"kept next={kept[:80]}, another site"
                return None

            run.send(
                f"next={name}", lambda v=value: client.get("/sso/start/", {"next": v}), judge=judge
            )


def test_hostile_queries_on_signed_in_only_redirect_home(client):
    with hostile_endpoint("GET /{lang}/signed-in/") as run:
        for name, value in filter_cases().items():
            run.send(
                name,
                lambda v=value: client.get("/en/signed-in/", {"next": v}),
                judge=lambda r: (
                    None
                    if r.status_code == 302 and r["Location"] == "/en/"
                    else (f"status {r.status_code}")
                ),
            )
