"""Transactions of the register: each recorded, atomic, and refused with the rule named."""

import threading
from fractions import Fraction

import pytest
from django.contrib.gis.geos import LineString, Polygon
from django.db import connections

from core.errors import Conflict, InvalidInput, PreconditionFailed
from core.roles import Role
from parcels.models import Parcel, ParcelStatus, Right, TransactionKind
from parcels.services import (
    RightSpec,
    parcel_boundary_adjust,
    parcel_create,
    parcel_merge,
    parcel_retire,
    parcel_rights_set,
    parcel_split,
    party_create,
)
from tests.factories import PARCEL_SIZE, UserFactory, parcel_square, parcels_grid

X0, Y0 = 35.200, 31.900  # the lower-left corner of parcel 1/1


def across(fraction: float) -> LineString:
    """A north-south cut through parcel 1/1 at ``fraction`` of its width, overshooting it."""
    x = X0 + fraction * PARCEL_SIZE
    return LineString((x, Y0 - 0.0001), (x, Y0 + PARCEL_SIZE + 0.0001), srid=4326)


def owners(parcel, *shares_of):
    """Give ``parcel`` owners holding ``shares_of`` (Fractions), one party each."""
    parties = [
        party_create(kind="person", name_ar=f"مالك {i}", name_en=f"Owner {i}")
        for i, _share in enumerate(shares_of)
    ]
    parcel_rights_set(
        parcel=parcel,
        rights=[
            RightSpec(party=p, kind="ownership", share=s)
            for p, s in zip(parties, shares_of, strict=True)
        ],
        user=None,
        reason="Deed",
    )
    return parties


def current_shares(parcel):
    """{(party, kind): share} of the rights of ``parcel`` in force now."""
    return {
        (r.party, r.kind): r.share
        for r in Right.objects.filter(parcel=parcel, valid_to__isnull=True).select_related("party")
    }


def test_a_split_retires_the_parent_and_records_children_with_its_rights(pair, officer):
    first, _second = pair
    one, two = owners(first, Fraction(1, 3), Fraction(2, 3))
    result = parcel_split(parcel=first, cut_lines=[across(0.4)], user=officer, reason="Sale")
    first.refresh_from_db()
    assert first.status == ParcelStatus.RETIRED
    assert first.valid_to == result.record.performed_at
    assert [c.number for c in result.children] == [3, 4]  # new numbers of the basin
    # Largest first; the pieces' areas add up to the parent's.
    assert result.children[0].area_m2 > result.children[1].area_m2
    assert sum(c.area_m2 for c in result.children) == pytest.approx(first.area_m2, rel=1e-9)
    assert set(result.children[0].parents.all()) == {first}
    assert set(first.children.all()) == set(result.children)
    for child in result.children:
        assert current_shares(child) == {
            (one, "ownership"): Fraction(1, 3),
            (two, "ownership"): Fraction(2, 3),
        }
    assert current_shares(first) == {}  # the parent's rights ended with it
    record = result.record
    assert (record.kind, record.performed_by, record.reason) == ("split", officer, "Sale")
    assert record.details["children"] == ["Ramallah 1/3", "Ramallah 1/4"]


def test_two_cut_lines_make_three_pieces(pair, officer):
    result = parcel_split(
        parcel=pair[0], cut_lines=[across(0.3), across(0.65)], user=officer, reason="Heirs"
    )
    assert len(result.children) == 3


@pytest.mark.parametrize(
    ("line", "code"),
    [
        # Beside the parcel, not touching it.
        (LineString((35.1990, 31.8990), (35.1990, 31.9010), srid=4326), "cut_does_not_cross"),
        # Starting inside: it cuts nothing off.
        (LineString((35.20010, 31.90010), (35.20010, 31.9010), srid=4326), "cut_does_not_cross"),
        # 2 % of the width: a sliver of about 8 m², below the 10 m² minimum.
        (across(0.02), "parcel_min_area"),
    ],
)
def test_a_bad_cut_is_refused_with_the_rule_and_the_register_unchanged(
    pair, officer, register_checksum, line, code
):
    before = register_checksum()
    with pytest.raises(InvalidInput) as refused:
        parcel_split(parcel=pair[0], cut_lines=[line], user=officer, reason="Sale")
    assert refused.value.code == code
    assert "Ramallah 1/1" in refused.value.message
    assert register_checksum() == before


def test_a_merge_makes_one_parcel_with_area_weighted_shares(pair, officer):
    first, second = pair
    (alone,) = owners(first, Fraction(1))
    half, other_half = owners(second, Fraction(1, 2), Fraction(1, 2))
    # Both squares have (nearly) the same area: the owner of 1/1 ends with about half.
    result = parcel_merge(parcels=[first, second], user=officer, reason="Consolidation")
    (child,) = result.children
    assert child.area_m2 == pytest.approx(first.area_m2 + second.area_m2, rel=1e-9)
    assert set(child.parents.all()) == {first, second}
    shares = current_shares(child)
    assert sum(shares.values()) == 1
    assert float(shares[(alone, "ownership")]) == pytest.approx(0.5, abs=0.01)
    assert shares[(half, "ownership")] == shares[(other_half, "ownership")]
    assert result.record.kind == TransactionKind.MERGE


def test_a_merge_of_parcels_that_do_not_touch_is_refused(
    locality, town, officer, register_checksum
):
    near = parcel_create(
        locality=locality,
        municipality=town,
        basin=2,
        number=1,
        geom=parcel_square(col=0, row=3),
        user=officer,
        reason="Test",
    )
    far = parcel_create(
        locality=locality,
        municipality=town,
        basin=2,
        number=2,
        geom=parcel_square(col=2, row=3),
        user=officer,
        reason="Test",
    )
    before = register_checksum()
    with pytest.raises(InvalidInput) as refused:
        parcel_merge(parcels=[near, far], user=officer, reason="Consolidation")
    assert refused.value.code == "merge_not_adjacent"
    assert "Ramallah 2/" in refused.value.message
    assert register_checksum() == before


def test_a_boundary_adjustment_moves_land_between_neighbours(pair, officer):
    first, second = pair
    # 1/1 takes the western 30 % of 1/2.
    grown = Polygon.from_bbox((X0, Y0, X0 + 1.3 * PARCEL_SIZE, Y0 + PARCEL_SIZE))
    result = parcel_boundary_adjust(
        parcel=first, neighbour=second, geom=grown, user=officer, reason="Survey correction"
    )
    new_first, new_second = result.children
    assert (new_first.number, new_second.number) == (1, 2)  # identifiers carry on
    assert new_first.area_m2 == pytest.approx(first.area_m2 * 1.3, rel=1e-3)
    assert new_first.area_m2 + new_second.area_m2 == pytest.approx(
        first.area_m2 + second.area_m2, rel=1e-9
    )
    assert set(new_second.parents.all()) == {first, second}


def test_an_adjustment_that_reaches_beyond_the_two_parcels_is_refused(pair, officer):
    too_big = Polygon.from_bbox((X0, Y0, X0 + PARCEL_SIZE, Y0 + 2 * PARCEL_SIZE))
    with pytest.raises(InvalidInput) as refused:
        parcel_boundary_adjust(
            parcel=pair[0], neighbour=pair[1], geom=too_big, user=officer, reason="Survey"
        )
    assert refused.value.code == "adjust_outside"


def test_retiring_ends_the_rights_and_keeps_the_history(pair, officer):
    first = pair[0]
    owners(first, Fraction(1))
    record = parcel_retire(parcel=first, user=officer, reason="Taken into the road")
    first.refresh_from_db()
    assert first.status == ParcelStatus.RETIRED
    assert first.retired_by == record
    assert current_shares(first) == {}
    assert Right.objects.filter(parcel=first).count() == 1  # ended, not deleted


def test_a_retired_parcel_cannot_take_part_in_a_transaction(pair, officer):
    parcel_retire(parcel=pair[0], user=officer, reason="Error of registration")
    with pytest.raises(Conflict) as refused:
        parcel_split(parcel=pair[0], cut_lines=[across(0.5)], user=officer, reason="Sale")
    assert refused.value.code == "parcel_retired"


def test_a_stale_version_is_refused(pair, officer):
    first = pair[0]
    owners(first, Fraction(1))  # raises the version to 2
    with pytest.raises(PreconditionFailed):
        parcel_split(parcel=first, cut_lines=[across(0.5)], user=officer, reason="Sale", version=1)


def test_shares_that_do_not_add_up_are_refused(pair, register_checksum):
    party = party_create(kind="person", name_ar="مالك", name_en="Owner")
    before = register_checksum()
    with pytest.raises(InvalidInput) as refused:
        parcel_rights_set(
            parcel=pair[0],
            rights=[RightSpec(party=party, kind="ownership", share=Fraction(2, 3))],
            user=None,
            reason="Deed",
        )
    assert refused.value.code == "right_shares_add_up"
    assert "2/3" in refused.value.message
    assert register_checksum() == before


def test_an_overlapping_registration_names_both_parcels(pair, locality, town, officer):
    with pytest.raises(Conflict) as refused:
        parcel_create(
            locality=locality,
            municipality=town,
            basin=1,
            number=9,
            geom=parcel_square(col=0, row=0).buffer(0.00005).envelope,
            user=officer,
            reason="Test",
        )
    assert refused.value.code == "parcel_no_overlap"
    assert "Ramallah 1/9" in refused.value.message
    assert "Ramallah 1/" in refused.value.message.split("overlap", 1)[1]


def test_a_self_intersecting_boundary_is_refused(locality, town, officer):
    bowtie = Polygon(((35.2, 31.9), (35.201, 31.901), (35.201, 31.9), (35.2, 31.901), (35.2, 31.9)))
    with pytest.raises(InvalidInput) as refused:
        parcel_create(
            locality=locality,
            municipality=town,
            basin=3,
            number=1,
            geom=bowtie,
            user=officer,
            reason="Test",
        )
    assert refused.value.code == "parcel_geometry_valid"
    assert "Self-intersection" in refused.value.message


def test_every_change_needs_a_reason(pair, officer):
    with pytest.raises(InvalidInput) as refused:
        parcel_retire(parcel=pair[0], user=officer, reason="  ")
    assert refused.value.code == "reason_missing"


@pytest.mark.django_db(transaction=True)
def test_two_officers_splitting_one_parcel_at_once_one_is_refused(locality, town):
    """Both read version 1 and split at the same moment: the first to lock the parcel splits
    it; the other, once the lock is released, finds it retired and is refused."""
    officer = UserFactory(role=Role.CADASTRE_OFFICER)
    (parcel,) = parcels_grid(locality=locality, town=town, user=officer, cols=1)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def split(fraction: float) -> None:
        try:
            start.wait(timeout=10)
            parcel_split(
                parcel=parcel, cut_lines=[across(fraction)], user=officer, reason="Sale", version=1
            )
            outcomes.append("split")
        except (Conflict, PreconditionFailed) as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=split, args=(f,)) for f in (0.4, 0.6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["parcel_retired", "split"]
    assert Parcel.objects.filter(status="active").count() == 2  # one split, not two
