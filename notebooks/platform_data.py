"""What the analysis notebooks share: where the platform's database is, maps that work offline,
and the palette of their maps.

Nothing here uses Django's ORM or settings: the notebooks read the database as any analyst's
tool would, through SQL, so they show the data as it is stored, not as the code would like it to
be. The database is ``DATABASE_URL``, asked of ``gis_project.env`` (the one module of the
project that reads the process environment), which falls back to the checkout's ``.local/env``
(written by ``./platform run``), the same rule the platform's own settings follow in
development.

The maps fetch nothing, neither when a notebook runs nor when its map is viewed: no basemap, and
Leaflet's script and styles inlined in the map's page from the copy the platform serves itself
(django-leaflet's, pinned in requirements/lock.txt), instead of the CDNs folium links to.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import sys
from collections.abc import Sequence
from functools import cache
from html import escape
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from folium.template import Template
from sqlalchemy import Engine, create_engine, make_url

ROOT = Path(__file__).resolve().parent.parent
# gis_project.env, imported from the checkout (a notebook's kernel starts in notebooks/).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gis_project.env import Env  # noqa: E402  (needs ROOT on sys.path)

# The schemes the platform accepts in DATABASE_URL, all of them PostgreSQL.
SCHEMES = {"postgis", "postgres", "postgresql"}

# One colour per zoning class, in the usual colours of a land-use plan.
LAND_USE_COLOURS = {
    "residential_a": "#ffe066",
    "residential_b": "#fcc419",
    "residential_c": "#f59f00",
    "commercial": "#e03131",
    "mixed": "#f76707",
    "public": "#1c7ed6",
    "industrial": "#7048e8",
    "agricultural": "#a9e34b",
    "green": "#2b8a3e",
    "road": "#868e96",
    "unzoned": "#dee2e6",
}
# One colour per round, none of them the green, yellow, orange or red of a stop's result.
ROUTE_COLOURS = ["#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#393b79", "#7f7f7f"]


def database_url() -> str:
    """The platform database's URL: ``DATABASE_URL``, else the checkout's ``.local/env``."""
    url = Env(use_local_file=True).str("DATABASE_URL")
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set and .local/env names no database: start the platform "
            "(./platform run) or export DATABASE_URL=postgis://USER:PASSWORD@HOST:PORT/NAME"
        )
    return url


def engine(url: str | None = None) -> Engine:
    """A SQLAlchemy engine on the platform's database (what pandas and geopandas read through)."""
    parsed = make_url(url or database_url())
    if parsed.get_backend_name() not in SCHEMES:
        raise ValueError(f"{parsed.drivername}: the platform's database is PostgreSQL/PostGIS")
    return create_engine(parsed.set(drivername="postgresql+psycopg2"))


def where(db: Engine) -> str:
    """The database an engine reads, fit to print: its password hidden."""
    return db.url.render_as_string(hide_password=True)


# --- Maps that load nothing from the network ------------------------------------------------


def _leaflet_folder() -> Path:
    # Found without importing django-leaflet, whose package reads Django's settings.
    spec = importlib.util.find_spec("leaflet")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("django-leaflet is not installed: use the checkout's .venv kernel")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "leaflet"


# The Leaflet the platform's own pages serve (``{% static 'leaflet/leaflet.js' %}``).
LEAFLET = _leaflet_folder()


@cache
def leaflet_inline() -> tuple[str, str]:
    """Leaflet's script and style sheet, ready to inline: the images the style sheet names
    (the layer switcher's icon, the default marker's) as ``data:`` URLs, and no source map."""
    script = (LEAFLET / "leaflet.js").read_text(encoding="utf-8")
    script = re.sub(r"^//# sourceMappingURL=.*$", "", script, flags=re.MULTILINE)

    def data_url(match: re.Match) -> str:
        image = (LEAFLET / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(image).decode('ascii')})"

    style = (LEAFLET / "leaflet.css").read_text(encoding="utf-8")
    style = re.sub(r"url\((images/[\w@.-]+\.png)\)", data_url, style)
    if "</script" in script.lower() or "</style" in style.lower():
        raise RuntimeError(f"{LEAFLET}: Leaflet's code would end its inline element early")
    return script, style


# The map takes the height its page leaves it: a title put above it (in the figure's html)
# takes its room from the map instead of pushing the map's foot (scale, legend) out of the frame.
PAGE_STYLE = """
body { display: flex; flex-direction: column; }
body > .folium-map { flex: 1 1 0; min-height: 0; }
"""


class _Raw(Element):
    """Markup put in the page as it is (not read as a template: Leaflet's code has braces)."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.markup = markup

    def render(self, **kwargs) -> str:
        return self.markup


def offline_map(**kwargs) -> folium.Map:
    """A ``folium.Map`` whose page loads nothing: no tiles (``tiles=None``), and Leaflet's
    script and styles inlined instead of folium's links to Leaflet, jQuery, Bootstrap and
    Font Awesome on public CDNs. ``kwargs`` go to ``folium.Map``.

    Draw on it with what Leaflet alone runs: ``GeoJson`` (with ``GeoJsonTooltip``),
    ``CircleMarker``, ``PolyLine``, ``Polygon``, ``FeatureGroup``, ``Tooltip``,
    ``LayerControl``, ``fit_bounds`` and :class:`Legend`. Not popups (folium builds them with
    jQuery), default or awesome markers (images and fonts from CDNs), plugins or branca's
    colormap legends (d3 from a CDN); the notebook tests check every map's page for them.
    """
    if kwargs.setdefault("tiles", None) is not None:
        raise ValueError("offline maps have no basemap: its tiles would come from the Internet")
    drawn = folium.Map(**kwargs)
    # On this map only (the class's lists are folium's module-wide defaults).
    drawn.default_js = []
    drawn.default_css = []
    script, style = leaflet_inline()
    header = drawn.get_root().header
    header.add_child(_Raw(f"<style>{style}</style>"), name="leaflet_css")
    header.add_child(_Raw(f"<script>{script}</script>"), name="leaflet")
    header.add_child(_Raw(f"<style>{PAGE_STYLE}</style>"), name="offline_map_page")
    return drawn


class Legend(MacroElement):
    """A legend in a corner of the map, drawn by Leaflet as a control of its own: a title and
    ``rows`` of HTML (escape any text in them), boxed like the layer switcher."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
            {{ this.get_name() }}.onAdd = function () {
                var box = L.DomUtil.create(
                    "div", "leaflet-control-layers leaflet-control-layers-expanded"
                );
                box.style.lineHeight = "1.5";
                box.innerHTML = {{ this.markup|tojson }};
                return box;
            };
            {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, rows: Sequence[str], *, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.markup = f"<strong>{escape(title)}</strong>" + "".join(
            f"<div>{row}</div>" for row in rows
        )


class ColourScale:
    """Colours from ``colours[0]`` at ``low`` to ``colours[-1]`` at ``high``, evenly spaced and
    blended in between: a value's colour for a style function, and its legend."""

    def __init__(self, colours: Sequence[str], *, low: float, high: float) -> None:
        if len(colours) < 2:
            raise ValueError("a colour scale needs two colours or more")
        self.colours = list(colours)
        self.low = low
        self.high = high

    def __call__(self, value: float) -> str:
        if self.high <= self.low:
            return self.colours[-1]
        share = min(max((value - self.low) / (self.high - self.low), 0.0), 1.0)
        position = share * (len(self.colours) - 1)
        step = min(int(position), len(self.colours) - 2)
        start, end = _rgb(self.colours[step]), _rgb(self.colours[step + 1])
        blend = position - step
        mixed = (round(a + (b - a) * blend) for a, b in zip(start, end, strict=True))
        return "#" + "".join(f"{channel:02x}" for channel in mixed)

    def legend(self, title: str, *, position: str = "bottomright") -> Legend:
        bar = (
            "width:200px;height:12px;border:1px solid #555;"
            f"background:linear-gradient(to right, {', '.join(self.colours)})"
        )
        ends = (
            f"<div style='display:flex;justify-content:space-between;width:202px'>"
            f"<span>{_number(self.low)}</span><span>{_number(self.high)}</span></div>"
        )
        return Legend(title, [f"<div style='{escape(bar)}'></div>" + ends], position=position)


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
