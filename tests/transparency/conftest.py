import pytest

# The delivery round with a proof (tests.delivery.conftest), the Open311 services and the
# headless Chromium (tests.public_map.conftest), shared rather than copied.
from tests.delivery.conftest import delivered, grid, tomorrow  # noqa: F401
from tests.public_map.conftest import browser, page  # noqa: F401
from tests.servicerequests.conftest import default_services  # noqa: F401


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_figures():
    """The page's dates and figures are cached for minutes; each test computes its own."""
    from transparency.selectors import transparency_cache_forget

    transparency_cache_forget()
    yield
    transparency_cache_forget()
