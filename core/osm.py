"""Reading OpenStreetMap extracts (pyosmium) the same way everywhere."""

from __future__ import annotations


def osm_way_runs(nodes) -> list[list[tuple[float, float]]]:
    """Consecutive runs of a way's nodes whose location the file holds (lon, lat): an extract
    cut to a box keeps ways whose outer nodes it does not have."""
    runs, current = [], []
    for node in nodes:
        if node.location.valid():
            current.append((node.location.lon, node.location.lat))
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
