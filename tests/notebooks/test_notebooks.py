"""The analysis notebooks (notebooks/) run top to bottom on the demo data that `./platform run`
loads, in a kernel of this environment's Python, with no network (the kernel refuses Python's
Internet connections): each draws its folium map without an online basemap, shows its summary
table, and its figures agree with the database. Each map's page is whole, with nothing to load
when it is viewed: Leaflet inlined, and no script, style sheet or image from anywhere else.

The demo data is loaded once, with the same management commands as `./platform run`, by one
transactional test (its writes are committed, so that the kernels, other processes with their
own connections, see them; pytest-django flushes them afterwards), which runs each notebook as
a subtest of its own.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from django.core.management import call_command
from django.utils import timezone
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from tests.conftest import ROOT, database_url_for_subprocesses

NOTEBOOKS = ROOT / "notebooks"
# What `./platform run` loads (scripts/devstack.py cmd_run), less what no notebook reads: the
# demo layers and the basemap.
DEMO_COMMANDS = (
    "load_reference_data",
    "load_demo_city",
    "load_demo_parcels",
    "demo_users",
    "load_demo_delivery",
    "routing_graph_build",
)
# Buildings an addressing officer has added but not yet given their postcode.
AWAITING_POSTCODE = 3
KERNEL = "platform-python"
# A cell run before the notebook's own: any connection to the Internet made from Python fails
# (the database is reached by libpq, in C, and the kernel's messages by ZeroMQ).
OFFLINE_CELL = """
import socket


def _refused(self, address, *args, **kwargs):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise OSError(f"the notebooks run without network: {address!r} refused")
    return _connect(self, address, *args, **kwargs)


_connect, socket.socket.connect = socket.socket.connect, _refused
"""
# A cell added after the notebook's own: the figures its checks asserted, for the test to read.
FIGURES_CELL = "import json\nprint(json.dumps(figures))"


@dataclass(frozen=True)
class Expected:
    parcels: int
    parcel_area_ha: float
    buildings: int
    without_postcode: int
    delivered_day: str
    delivered_day_stops: int
    delivered_on_time: int
    delivered_late: int
    not_delivered: int
    planned_day: str
    rounds: int
    ratings: list[tuple[str, int]]  # (courier, stars) of each rating given


def buildings_awaiting_postcode(count: int) -> list[int]:
    """``count`` new buildings on demo streets, located in their zone but given no postcode:
    the state between an addressing officer's two steps."""
    from addressing.models import Street
    from addressing.services import building_create

    made = []
    for street in Street.objects.filter(is_synthetic=True).order_by("pk")[:count]:
        middle = street.geom.interpolate_normalized(0.5)
        middle.srid = 4326
        middle.y += 0.0001  # about 11 m off the street's centre line
        made.append(building_create(street=street, entrance=middle, is_synthetic=True).pk)
    return made


def delivered_day(day) -> tuple[int, int, int, list[tuple[str, int]]]:
    """``day``'s demo orders planned, and every round ridden and recorded by its courier
    through the same services as the courier's phone: most stops delivered within their
    window, every fourth one delivered 25 minutes after it closed, every sixth not delivered
    (no one at home). A few citizens then rate their delivery through the tracking link's
    service: every third delivered stop, 5 stars when on time, 2 when late. Returns (delivered
    on time, delivered late, not delivered, [(courier, stars) of each rating])."""
    from delivery.demo import demo_rounds_load
    from delivery.models import DeliveryOffice, Round
    from delivery.services import delivery_feedback_give, proof_record, round_plan, round_start

    demo_rounds_load(day=day)
    office = DeliveryOffice.objects.get(code="demo-ramallah-post")
    round_plan(office=office, day=day)
    on_time = late = failed = 0
    rated: list[tuple[str, int]] = []
    for round_ in Round.objects.filter(office=office, day=day).select_related("courier__user"):
        user = round_.courier.user
        round_start(round_=round_, user=user)
        for stop in round_.stops.select_related("order").order_by("sequence"):
            order = stop.order
            record = {"user": user, "order_id": order.pk, "client_id": str(uuid.uuid4())}
            if stop.sequence % 6 == 0:
                proof_record(
                    **record, outcome="failed", failure_reason="not_home",
                    recorded_at=stop.arrival_at,
                )  # fmt: skip
                failed += 1
            elif stop.sequence % 4 == 0:
                proof_record(
                    **record, outcome="delivered", recipient_name="SYN-Recipient",
                    recorded_at=order.window_end + timedelta(minutes=25),
                )  # fmt: skip
                late += 1
                stars = 2
            else:
                at = min(max(stop.arrival_at, order.window_start), order.window_end)
                proof_record(
                    **record, outcome="delivered", recipient_name="SYN-Recipient", recorded_at=at
                )
                on_time += 1
                stars = 5
            if stop.sequence % 3 == 1:
                delivery_feedback_give(order=order, rating=stars, comment="SYN-comment")
                rated.append((user.username, stars))
    return on_time, late, failed, rated


def demo_load() -> Expected:
    """What `./platform run` loads, what its users then do (an officer adds buildings, a
    dispatcher plans today, the couriers rode yesterday), and the figures it should give."""
    from addressing.models import Building
    from delivery.models import DeliveryOffice, Round
    from delivery.services import round_plan
    from parcels.models import Parcel

    for command in DEMO_COMMANDS:
        call_command(command, stdout=io.StringIO())  # demo_users prints passwords
    awaiting = buildings_awaiting_postcode(AWAITING_POSTCODE)
    today = timezone.localdate()
    # Yesterday, so that every record of the day is in the past (the phone's clock rule).
    yesterday = today - timedelta(days=1)
    on_time, late, failed, rated = delivered_day(yesterday)
    round_plan(office=DeliveryOffice.objects.get(code="demo-ramallah-post"), day=today)
    parcels = Parcel.objects.filter(status="active")
    return Expected(
        parcels=parcels.count(),
        parcel_area_ha=sum(parcels.values_list("area_m2", flat=True)) / 10_000,
        buildings=Building.objects.filter(status="active").count(),
        without_postcode=len(awaiting),
        delivered_day=yesterday.isoformat(),
        delivered_day_stops=on_time + late + failed,
        delivered_on_time=on_time,
        delivered_late=late,
        not_delivered=failed,
        planned_day=today.isoformat(),
        rounds=Round.objects.count(),
        ratings=rated,
    )


@pytest.fixture
def router_fresh():
    """The routing engine of this process built on the graph the demo loads, and let go of
    afterwards (the graph is flushed with the rest)."""
    from routing.engines import router_forget

    router_forget()
    yield
    router_forget()


@pytest.fixture(scope="module")
def kernels(tmp_path_factory) -> Path:
    """A kernel spec of this environment's Python, in a folder of its own: nothing is
    registered for the user or the system, and no other Python's kernel can be picked."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "platform .venv", "language": "python"})
    )
    return home


def notebook_run(name: str, *, kernels: Path) -> tuple[nbformat.NotebookNode, dict]:
    """Execute ``notebooks/<name>.ipynb`` on the test database, as an analyst would from the
    notebooks folder; returns the executed notebook and the figures of its checks cell. A
    failing cell fails the test with the cell's traceback."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(OFFLINE_CELL))
    notebook.cells.append(nbformat.v4.new_code_cell(FIGURES_CELL))
    manager = AsyncKernelManager(
        kernel_name=KERNEL,
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels / "kernels")]),
        # Sockets in a folder of the test's own, rather than ports on the machine.
        transport="ipc",
        ip=str(kernels / f"{name}-ipc"),
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocesses(),
        "IPYTHONDIR": str(kernels / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(kernels / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        # debugpy warns on stderr about frozen modules; the kernel's debugger is not used.
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    # Given a kernel manager, nbclient leaves the kernel running unless told to shut it down.
    client.execute(env=env, cleanup_kc=True)
    printed = notebook.cells[-1].outputs[0]["text"]
    return notebook, json.loads(printed)


def tagged_html(notebook: nbformat.NotebookNode, tag: str) -> str:
    """The HTML that the cells tagged ``tag`` displayed."""
    return "".join(
        output.get("data", {}).get("text/html", "")
        for cell in notebook.cells
        if tag in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", [])
    )


class Page(HTMLParser):
    """What an HTML page loads (each URL a tag would fetch), the pages of its inline frames
    (``srcdoc``, as folium shows a map in a notebook), and its inline scripts and styles."""

    # The attribute through which each tag fetches something.
    FETCHES = {
        "script": "src", "link": "href", "img": "src", "iframe": "src", "frame": "src",
        "source": "src", "embed": "src", "object": "data", "audio": "src", "video": "src",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.frames: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._inside: list[str] | None = None

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("srcdoc"):
            self.frames.append(values["srcdoc"])
        url = values.get(self.FETCHES.get(tag, ""))
        if url:
            self.loads.append(f"<{tag}> {url}")
        if tag in ("script", "style"):
            self._inside = self.scripts if tag == "script" else self.styles
            self._inside.append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._inside = None

    def handle_data(self, data):
        if self._inside is not None:
            self._inside[-1] += data


def assert_map_is_offline(document: str, leaflet: tuple[str, str]) -> None:
    """A map's page (what its notebook output's frame holds) loads nothing when viewed: no
    script, style sheet, image or frame from a URL, no style sheet fetching one, no jQuery (not
    loaded: folium's popups need it); Leaflet's own script and styles are in the page."""
    page = Page.of(document)
    online = [load for load in page.loads if re.search(r"(https?:)?//", load)]
    assert online == [], f"the map's page loads {online} from the Internet: no CDN, ever"
    # Nor anything else: a page in a frame (srcdoc) has no folder to load files from.
    assert page.loads == [], f"the map's page loads {page.loads}"
    for style in page.styles:
        assert "@import" not in style
        fetched = re.findall(r"""url\(\s*['"]?([^'")\s]+)""", style)
        assert all(url.startswith(("data:", "#")) for url in fetched), fetched
    script, style = leaflet
    assert script in page.scripts, "Leaflet's script is not inlined in the map's page"
    assert style in page.styles, "Leaflet's style sheet is not inlined in the map's page"
    assert any("L.map(" in text for text in page.scripts)
    jquery = [text for text in page.scripts if "$(" in text]
    assert jquery == [], "the map calls jQuery, which it does not have (a folium Popup?)"


def assert_map_and_table(notebook: nbformat.NotebookNode) -> None:
    table, drawn = tagged_html(notebook, "summary"), tagged_html(notebook, "map")
    assert '<table border="1" class="dataframe">' in table
    assert "L.map(" in drawn, "the map cell drew no folium map"
    # No online basemap: the map draws the data alone.
    assert "L.tileLayer" not in drawn
    assert "SYNTHETIC" in drawn
    # Every map the notebook shows is whole: viewing it fetches nothing.
    maps = Page.of(drawn).frames
    assert maps, "the map cell shows no map's page"
    leaflet = platform_data_module().leaflet_inline()
    for document in maps:
        assert_map_is_offline(document, leaflet)


def platform_data_module():
    """notebooks/platform_data.py, imported as the notebooks import it (from their folder)."""
    spec = importlib.util.spec_from_file_location("platform_data", NOTEBOOKS / "platform_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_read_database_url_else_the_checkouts_local_env(tmp_path, monkeypatch):
    from gis_project import env

    platform_data = platform_data_module()
    local_env = tmp_path / "env"
    local_env.write_text(
        "# written by ./platform\nDATABASE_URL=postgis://gis:s%40lt@127.0.0.1:5/gis\n"
    )
    # platform_data asks gis_project.env, whose fallback is the checkout's .local/env.
    monkeypatch.setattr(env, "LOCAL_ENV_FILE", local_env)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db = platform_data.engine()
    assert db.url.drivername == "postgresql+psycopg2"
    assert db.url.password == "s@lt"
    assert platform_data.where(db) == "postgresql+psycopg2://gis:***@127.0.0.1:5/gis"

    monkeypatch.setenv("DATABASE_URL", "postgres://analyst@db.example:5432/gis_copy")
    assert platform_data.engine().url.database == "gis_copy"

    monkeypatch.setenv("DATABASE_URL", "sqlite:///gis.db")
    with pytest.raises(ValueError, match="PostgreSQL"):
        platform_data.engine()

    monkeypatch.delenv("DATABASE_URL")
    local_env.unlink()
    with pytest.raises(RuntimeError, match=r"\./platform run"):
        platform_data.engine()


def test_an_offline_map_inlines_leaflet_and_loads_nothing():
    import folium

    platform_data = platform_data_module()
    cdn = list(folium.Map.default_js)
    drawn = platform_data.offline_map(control_scale=True)
    folium.CircleMarker([31.9, 35.2], radius=4, tooltip="a stop").add_to(drawn)
    scale = platform_data.ColourScale(["#ffffff", "#000000"], low=0, high=10)
    scale.legend("Buildings <per zone>").add_to(drawn)
    folium.LayerControl(collapsed=False).add_to(drawn)
    assert_map_is_offline(drawn.get_root().render(), platform_data.leaflet_inline())
    # As a notebook shows it: the page in a frame, with the legend's title as text, not markup.
    (shown,) = Page.of(drawn._repr_html_()).frames
    assert_map_is_offline(shown, platform_data.leaflet_inline())
    assert "Buildings \\u0026lt;per zone\\u0026gt;" in shown
    # Only that map lost folium's links: other maps, and folium's defaults, keep them.
    assert folium.Map.default_js == cdn
    assert folium.Map(tiles=None).default_js == cdn
    # Blended in between, and the last colour beyond the top.
    shades = [scale(value) for value in (0, 5, 10, 99)]
    assert shades == ["#ffffff", "#808080", "#000000", "#000000"]
    with pytest.raises(ValueError, match="basemap"):
        platform_data.offline_map(tiles="OpenStreetMap")


def test_the_notebooks_in_the_repository_hold_no_outputs_and_each_is_run_here():
    names = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert names == ["delivery_performance", "parcels_by_zoning", "postcode_coverage"]
    for name in names:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(not cell.outputs and cell.execution_count is None for cell in code), name
        assert "SYNTHETIC" in notebook.cells[0].source, (
            f"{name} must say its demo data is synthetic"
        )
        # Every map is an offline one (no basemap, Leaflet inlined), none folium's own.
        source = "".join(cell.source for cell in code)
        assert "platform_data.offline_map(" in source, name
        assert "folium.Map(" not in source, name


@pytest.mark.django_db(transaction=True)
def test_each_notebook_runs_on_the_demo_data_draws_its_map_and_agrees_with_the_database(
    subtests, kernels, router_fresh
):
    demo = demo_load()

    with subtests.test("parcels_by_zoning counts every active parcel and maps the classes"):
        notebook, figures = notebook_run("parcels_by_zoning", kernels=kernels)
        assert_map_and_table(notebook)
        assert figures["parcels"] == demo.parcels
        assert figures["area_ha"] == pytest.approx(demo.parcel_area_ha, abs=0.1)
        assert figures["land_use_classes"] > 1
        assert figures["largest_area_difference"] < 0.005

    with subtests.test("postcode_coverage finds the buildings still awaiting a postcode"):
        notebook, figures = notebook_run("postcode_coverage", kernels=kernels)
        assert_map_and_table(notebook)
        assert figures["buildings"] == demo.buildings
        assert figures["without_postcode"] == demo.without_postcode
        assert figures["with_postcode"] == demo.buildings - demo.without_postcode
        assert 0.99 < figures["coverage"] < 1
        assert figures["zones_with_buildings"] > 1

    with subtests.test("delivery_performance gives the on-time rate of the day ridden"):
        notebook, figures = notebook_run("delivery_performance", kernels=kernels)
        assert_map_and_table(notebook)
        assert figures["rounds"] == demo.rounds
        ridden = figures["days"][demo.delivered_day]
        assert ridden["stops"] == demo.delivered_day_stops
        assert ridden["on_time"] == demo.delivered_on_time
        assert ridden["late"] == demo.delivered_late
        assert ridden["not_delivered"] == demo.not_delivered
        assert ridden["on_time_rate"] == pytest.approx(
            demo.delivered_on_time / demo.delivered_day_stops, abs=1e-4
        )
        # The citizens' ratings: all of them, per courier and on the day ridden.
        given = figures["ratings"]
        stars = [s for _courier, s in demo.ratings]
        assert len(stars) >= 3, "the demo day gave too few ratings to check"
        assert given["count"] == len(stars)
        assert given["mean"] == pytest.approx(sum(stars) / len(stars), abs=1e-4)
        assert given["share_4_5"] == pytest.approx(stars.count(5) / len(stars), abs=1e-4)
        assert given["by_day"] == {
            demo.delivered_day: {
                "count": len(stars),
                "share_4_5": pytest.approx(stars.count(5) / len(stars), abs=1e-4),
            }
        }
        for courier in {c for c, _s in demo.ratings}:
            own = [s for c, s in demo.ratings if c == courier]
            assert given["by_courier"][courier]["count"] == len(own)
            assert given["by_courier"][courier]["mean"] == pytest.approx(
                sum(own) / len(own), abs=1e-4
            )
        # Today is planned, not ridden: no rate yet, rather than a rate of nothing.
        assert figures["days"][demo.planned_day]["on_time_rate"] is None
        assert figures["mapped_day"] == demo.planned_day
