"""Every endpoint that accepts input has a hostile-input corpus test (tests/hostile.py).

Each app's ``test_hostile_input.py`` names the URL patterns it covers in ``COVERED``; this test
fails when a URL pattern is in none of them, so a new endpoint cannot arrive without its cases.
"""

from __future__ import annotations

import importlib

from django.urls import URLPattern, URLResolver, get_resolver

MODULES = [
    "tests.addressing.test_hostile_input",
    "tests.boundaries.test_hostile_input",
    "tests.public_map.test_hostile_input",
    "tests.delivery.test_hostile_input",
    "tests.layers.test_hostile_input",
    "tests.parcels.test_hostile_input",
    "tests.routing.test_hostile_input",
    "tests.core.test_hostile_input",
    "tests.servicerequests.test_hostile_input",
    "tests.exchange.test_hostile_input",
    "tests.accounts.test_hostile_input",
]

# Routes that take no input a client controls beyond the path converters Django already types
# (int, uuid, slug) and that only read: nothing to send them but the cases their app's test
# already sends to the same view through another route.
NO_INPUT = {
    "admin",  # Django's admin: staff only, Django's own forms and CSRF
}


def _route_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_covered_by_a_hostile_input_corpus_test():
    covered: set[str] = set()
    for module in MODULES:
        covered |= set(importlib.import_module(module).COVERED)
    routes = _route_names(get_resolver())
    missing = sorted(routes - covered - NO_INPUT)
    assert not missing, f"routes without hostile-input cases: {missing}"
    stale = sorted(covered - routes)
    assert not stale, f"COVERED names routes that do not exist: {stale}"
