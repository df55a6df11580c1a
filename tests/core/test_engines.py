import pytest
from django.core.exceptions import ImproperlyConfigured

from core.engines import engine_from_setting


def test_the_engine_a_setting_names_is_made(settings):
    settings.GEOCODER = "second"
    assert engine_from_setting("GEOCODER", {"first": list, "second": dict}) == {}


def test_an_unknown_engine_is_a_configuration_error_naming_the_choices(settings):
    settings.TILE_CACHE = "memcached"
    with pytest.raises(
        ImproperlyConfigured, match="TILE_CACHE='memcached': use one of files, none"
    ):
        engine_from_setting("TILE_CACHE", {"files": object, "none": object})


def test_an_unknown_delivery_solver_is_a_configuration_error_like_every_engine(settings):
    from delivery.planning import round_solver

    settings.DELIVERY_SOLVER = "guesswork"
    with pytest.raises(ImproperlyConfigured, match="DELIVERY_SOLVER='guesswork'"):
        round_solver()
    settings.DELIVERY_SOLVER = "pyvrp"
    assert type(round_solver()).__name__ == "PyVRPSolver"
