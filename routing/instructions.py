"""Turn-by-turn instructions in Arabic and English from a route's legs."""

from __future__ import annotations

from dataclasses import dataclass

from addressing.models import Street
from routing.engines import Route

COMPASS = (
    ("north", "شمالاً"),
    ("northeast", "نحو الشمال الشرقي"),
    ("east", "شرقاً"),
    ("southeast", "نحو الجنوب الشرقي"),
    ("south", "جنوباً"),
    ("southwest", "نحو الجنوب الغربي"),
    ("west", "غرباً"),
    ("northwest", "نحو الشمال الغربي"),
)


@dataclass(frozen=True)
class Instruction:
    kind: str  # depart, continue, bear, turn, uturn, arrive
    modifier: str  # left, right, straight or a compass direction
    text_en: str
    text_ar: str
    street_en: str
    street_ar: str
    distance_m: float
    duration_s: float
    location: tuple[float, float]


def _turn(degrees: float) -> tuple[str, str]:
    side = "right" if degrees > 0 else "left"
    size = abs(degrees)
    if size < 20:
        return "continue", "straight"
    if size < 60:
        return "bear", side
    if size < 150:
        return "turn", side
    return "uturn", side


def _texts(kind: str, modifier: str, en: str, ar: str) -> tuple[str, str]:
    side_ar = {"right": "يميناً", "left": "يساراً"}.get(modifier, "")
    if kind == "depart":
        compass_ar = dict(COMPASS).get(modifier, "")
        return f"Head {modifier} on {en}", f"اتجه {compass_ar} على {ar}"
    if kind == "continue":
        return f"Continue onto {en}", f"تابع إلى {ar}"
    if kind == "bear":
        return f"Bear {modifier} onto {en}", f"انحرف {side_ar} إلى {ar}"
    if kind == "turn":
        return f"Turn {modifier} onto {en}", f"انعطف {side_ar} إلى {ar}"
    return f"Make a U-turn onto {en}", f"استدر للخلف إلى {ar}"


def route_instructions(*, route: Route, heading: float | None = None) -> list[Instruction]:
    """One instruction per street the route follows (distance in metres, duration in
    seconds), then the arrival. ``heading``: the first leg's bearing in degrees, for its
    compass direction."""
    names = {
        s.pk: s
        for s in Street.objects.filter(pk__in={leg.street_id for leg in route.legs}).only(
            "name_ar", "name_en"
        )
    }
    out: list[Instruction] = []
    for index, leg in enumerate(route.legs):
        street = names.get(leg.street_id)
        en = (street.name_en or street.name_ar) if street else "the street"
        ar = (street.name_ar or street.name_en) if street else "الشارع"
        if index == 0:
            compass = COMPASS[int(((heading or 0) + 22.5) % 360 // 45)][0]
            kind, modifier = "depart", compass
        else:
            kind, modifier = _turn(leg.turn_deg or 0.0)
        text_en, text_ar = _texts(kind, modifier, en, ar)
        out.append(
            Instruction(
                kind, modifier, text_en, text_ar, en, ar, leg.distance_m, leg.duration_s, leg.start
            )
        )
    if route.coordinates:
        end = route.coordinates[-1]
        out.append(
            Instruction(
                "arrive", "", "Arrive at your destination", "وصلت إلى وجهتك", "", "", 0.0, 0.0, end
            )
        )
    return out
