"""Where the reference data comes from, and the attribution its licence asks for.

Mirrors ``data/SOURCES.md``; the API returns the attribution with every collection so that
every map that shows the data can credit it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import models


class Dataset(models.TextChoices):
    OCHA_COD_AB = "ocha_cod_ab", "OCHA COD-AB (PAMoP), 2023-10-19"
    OCHA_VILLAGES = "ocha_villages", "OCHA oPt village boundaries"
    OSM = "osm", "OpenStreetMap"
    PLATFORM = "platform", "Ramallah municipal GIS"


@dataclass(frozen=True)
class Attribution:
    text: str
    licence: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


ATTRIBUTIONS: dict[str, Attribution] = {
    Dataset.OCHA_COD_AB: Attribution(
        text="© UN OCHA, Palestinian Ministry of Planning",
        licence="CC BY 3.0 IGO",
        url="https://data.humdata.org/dataset/cod-ab-pse",
    ),
    Dataset.OCHA_VILLAGES: Attribution(
        text="© UN OCHA oPt",
        licence="CC BY 3.0 IGO",
        url="https://data.humdata.org/organization/ocha-opt",
    ),
    Dataset.OSM: Attribution(
        text="© OpenStreetMap contributors",
        licence="ODbL 1.0",
        url="https://www.openstreetmap.org/copyright",
    ),
}


def attributions_for(datasets: set[str]) -> list[dict[str, str]]:
    return [ATTRIBUTIONS[key].as_dict() for key in sorted(datasets) if key in ATTRIBUTIONS]
