"""The hostile-input corpus (tests/hostile.py) against the routes no app owns: jobs, sign-in
and tokens, the language switch, the API documents, and every HTML page.

Pages take no body; their input is the query string, the path and the headers. A hostile value
there must never give a server error nor come back unescaped in the page: pages are judged
with inert_judge (a 4xx page or a page that does not echo the payload)."""

from __future__ import annotations

import uuid

import pytest

from core.roles import Role
from tests.factories import UserFactory
from tests.hostile import (
    INJECTIONS,
    filter_cases,
    hostile_endpoint,
    inert_judge,
    raw_bodies,
    text_cases,
)

COVERED = {
    "jobs:list",
    "jobs:detail",
    "jobs:cancel",
    "jobs:file",
    "api-token",
    "login",
    "logout",
    "healthz",
    "set_language",
    "api-schema",
    "api-docs",
    "public_map:home",
    "public_map:map",
    "editor:editor",
    "editor:jobs",
    "layer-import",
    "parcel_pages:extract",
    "delivery:request",
    "delivery:track",
    "delivery:dispatch",
    "delivery:courier",
    "delivery:courier-worker",
    "delivery:sheet",
    "routing_pages:closures",
    "transparency:transparency",
    "transparency:privacy",
    "servicerequests:mine",
}

# Every page, as a signed-in administrator sees it (so the page renders in full).
PAGES = [
    "/{lang}/",
    "/{lang}/map/",
    "/{lang}/editor/",
    "/{lang}/editor/jobs/",
    "/{lang}/layers/import/",
    "/{lang}/delivery/",
    "/{lang}/delivery/dispatch/",
    "/{lang}/delivery/courier/",
    "/{lang}/delivery/courier/worker.js",
    "/{lang}/routing/closures/",
    "/{lang}/transparency/",
    "/{lang}/privacy/",
    "/{lang}/sign-in/",
    "/{lang}/service-requests/mine/",
]
# Pages with an object in their path: hostile paths must be a 404 page, not a crash.
PATH_PAGES = [
    "/{lang}/parcels/{value}/extract",
    "/{lang}/delivery/track/{value}/",
    "/{lang}/delivery/rounds/{value}/sheet.pdf",
]


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    return client


def test_hostile_query_strings_and_headers_on_every_page_give_no_error_and_no_echo(admin_client):
    params = {"q", "address", "format", "next", "lang", "sel", "layer", "page"}
    with hostile_endpoint("GET pages (query strings, headers)") as run:
        for page in PAGES:
            for lang in ("ar", "en"):
                url = page.format(lang=lang)
                for name, value in filter_cases().items():
                    run.send(
                        f"{url} ?*={name}",
                        lambda u=url, v=value: admin_client.get(u, dict.fromkeys(params, v)),
                        judge=inert_judge(value),
                    )
                run.send(
                    f"{url} Accept-Language hostile",
                    lambda u=url: admin_client.get(
                        u, HTTP_ACCEPT_LANGUAGE="<script>,ar;q=1e999,en;q=-1,*;q=NaN"
                    ),
                    judge=inert_judge("<script>"),
                )


def test_hostile_paths_on_object_pages_are_404_pages(admin_client):
    values = ["0", str(2**63), "-1", "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", "A" * 500]
    with hostile_endpoint("GET object pages (paths)") as run:
        for page in PATH_PAGES:
            for value in values:
                url = page.format(lang="en", value=value)
                run.send(
                    url,
                    lambda u=url: admin_client.get(u),
                    judge=lambda r: None if r.status_code == 404 else f"status {r.status_code}",
                )
        for name, value in INJECTIONS.items():
            run.send(
                f"extract ?format={name}",
                lambda v=value: admin_client.get("/en/parcels/1/extract", {"format": v}),
                judge=inert_judge(value),
            )


def test_hostile_job_requests_are_refused(admin_client):
    with hostile_endpoint("GET/POST /api/v1/jobs/") as run:
        for name, value in filter_cases().items():
            for param in ("limit", "offset"):
                run.send(
                    f"list {param}={name}",
                    lambda p=param, v=value: admin_client.get("/api/v1/jobs/", {p: v}),
                )
        for value in ("-1", "0", "1e9", "99999999999999999999", "١٠"):
            run.send(
                f"list limit={value}",
                lambda v=value: admin_client.get("/api/v1/jobs/", {"limit": v}),
            )
        missing = uuid.uuid4()
        run.send(
            "detail of a job that does not exist",
            lambda: admin_client.get(f"/api/v1/jobs/{missing}/"),
        )
        run.send(
            "detail with a path that is not a uuid",
            lambda: admin_client.get("/api/v1/jobs/1%20OR%201=1/"),
        )
        run.send(
            "file of a job that does not exist",
            lambda: admin_client.get(f"/api/v1/jobs/{missing}/file"),
        )
        run.send(
            "file with a path that is not a uuid",
            lambda: admin_client.get("/api/v1/jobs/..%2F..%2Fetc%2Fpasswd/file"),
        )
        for name, body in raw_bodies().items():
            run.send(
                f"cancel {name}",
                lambda b=body: admin_client.post(
                    f"/api/v1/jobs/{missing}/cancel/", b, content_type="application/json"
                ),
            )


def test_hostile_token_requests_are_refused(api_client, db):
    url = "/api/v1/auth/token/"
    with hostile_endpoint("POST /api/v1/auth/token/") as run:
        for name, body in raw_bodies().items():
            run.send(name, lambda b=body: api_client.post(url, b, content_type="application/json"))
        for name, value in {**filter_cases(), **text_cases()}.items():
            for field in ("username", "password"):
                body = {"username": "rana", "password": "x", field: value}
                run.send(f"{field}={name}", lambda b=body: api_client.post(url, b, format="json"))
        run.send(
            "a list for a user name",
            lambda: api_client.post(url, {"username": ["a"], "password": "x"}, format="json"),
        )


def test_hostile_sign_ins_are_refused_with_the_form_and_no_echo(client, db):
    UserFactory(username="rana", role=Role.PLANNER)
    with hostile_endpoint("POST /{lang}/sign-in/") as run:
        for name, value in {**filter_cases(), **text_cases()}.items():
            for field in ("username", "password"):
                form = {"username": "rana", "password": "x", field: value}
                run.send(
                    f"{field}={name}",
                    lambda f=form: client.post("/en/sign-in/", f),
                    judge=_refused_form(value),
                )
        for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
            run.send(
                f"next={target}",
                lambda t=target: client.post(
                    "/en/sign-in/", {"username": "rana", "password": "x", "next": t}
                ),
                judge=_refused_form(target),
            )


def _refused_form(payload: str):
    judge = inert_judge(payload)

    def refused(response) -> str | None:
        if response.status_code != 400:
            return f"status {response.status_code}, not 400"
        return judge(response)

    return refused


def test_hostile_language_switches_and_sign_outs_go_nowhere_else(client, db):
    with hostile_endpoint("POST /i18n/setlang/, /{lang}/sign-out/") as run:
        for target in (
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
        ):
            for name, value in {**INJECTIONS, "target": target}.items():
                run.send(
                    f"setlang language={name} next={target}",
                    lambda v=value, t=target: client.post(
                        "/i18n/setlang/", {"language": v, "next": t}
                    ),
                    judge=_stays_home,
                )
            run.send(
                f"sign-out next={target}",
                lambda t=target: client.post(f"/en/sign-out/?next={t}"),
                judge=_stays_home,
            )


def _stays_home(response) -> str | None:
    if response.status_code >= 500:
        return f"status {response.status_code}"
    location = response.get("Location", "")
    if (location and not location.startswith("/")) or location.startswith(("//", "/\\")):
        return f"redirects off the site: {location}"
    return None


def test_hostile_parameters_to_the_health_check_and_api_documents_change_nothing(client, db):
    with hostile_endpoint("GET /healthz, /api/schema/, /api/docs/") as run:
        for name, value in filter_cases().items():
            for url in ("/healthz", "/api/docs/"):
                run.send(
                    f"{url} ?x={name}",
                    lambda u=url, v=value: client.get(u, {"x": v}),
                    judge=inert_judge(value),
                )
            run.send(
                f"/api/schema/ ?format={name}",
                lambda v=value: client.get("/api/schema/", {"format": v, "lang": v}),
                judge=inert_judge(value),
            )
        run.send(
            "healthz POST", lambda: client.post("/healthz", b"{}", content_type="application/json")
        )
