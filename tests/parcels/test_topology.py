"""The register's rules hold whatever writes: the database refuses what breaks them, even a
raw SQL write that no service checked."""

import threading

import pytest
from django.contrib.gis.geos import Polygon
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from parcels.models import Parcel, ParcelTransaction, Party, Right, TopologyRules
from parcels.services import parcel_retire
from tests.factories import parcel_square


def raw_parcel(*, locality, town, record, number, geom):
    """A parcel written straight with the ORM, bypassing the services."""
    return Parcel.objects.create(
        locality=locality,
        municipality=town,
        basin=1,
        number=number,
        geom=geom,
        valid_from=timezone.now(),
        created_by=record,
    )


@pytest.fixture
def record(db):
    return ParcelTransaction.objects.create(
        kind="create", reason="A raw write", performed_at=timezone.now()
    )


def box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    polygon = Polygon.from_bbox((x0, y0, x1, y1))
    polygon.srid = 4326
    return polygon


def checked(write) -> None:
    """Run ``write`` in a transaction and check the deferred rules at once, as a commit would."""
    with transaction.atomic():
        write()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def refused_by(rule: str, write) -> IntegrityError:
    with pytest.raises(IntegrityError) as refused:
        checked(write)
    assert refused.value.__cause__.diag.constraint_name == rule
    return refused.value


def test_an_overlap_written_around_the_services_is_refused(pair, locality, town, record):
    overlapping = parcel_square(col=0, row=0).buffer(0.00003).envelope
    overlapping.srid = 4326
    error = refused_by(
        "parcel_no_overlap",
        lambda: raw_parcel(
            locality=locality, town=town, record=record, number=50, geom=overlapping
        ),
    )
    assert "Ramallah 1/50 would overlap parcel Ramallah 1/1" in str(error)


def test_neighbours_sharing_only_a_boundary_do_not_overlap(pair, locality, town, record):
    beside = parcel_square(col=2, row=0)
    beside.srid = 4326
    checked(lambda: raw_parcel(locality=locality, town=town, record=record, number=3, geom=beside))
    assert Parcel.objects.filter(status="active").count() == 3


def test_an_overlap_within_the_tolerance_is_accepted(pair, locality, town, record):
    # A 0.000001° (about 10 cm) strip over 1/2's western edge: about 2 m² shared, under 5 m².
    TopologyRules.objects.filter(pk=1).update(overlap_tolerance_m2=5.0)
    x = 35.200 + 0.0004  # the eastern edge of 1/2
    geom = box(x - 0.000001, 31.900, x + 0.0002, 31.9002)
    checked(lambda: raw_parcel(locality=locality, town=town, record=record, number=3, geom=geom))
    assert Parcel.objects.filter(status="active").count() == 3


def test_a_parcel_below_the_minimum_area_is_refused(locality, town, record):
    tiny = box(35.2, 31.9, 35.20002, 31.90002)  # about 4 m²
    error = refused_by(
        "parcel_min_area",
        lambda: raw_parcel(locality=locality, town=town, record=record, number=1, geom=tiny),
    )
    assert "below the minimum parcel area of 10" in str(error)


def test_an_invalid_boundary_written_in_sql_is_refused(pair):
    def write() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE parcels_parcel SET geom = ST_GeomFromText("
                "'POLYGON((35.2 31.9, 35.201 31.901, 35.201 31.9, 35.2 31.901, 35.2 31.9))', 4326)"
                " WHERE id = %s",
                [pair[0].pk],
            )

    error = refused_by("parcel_geometry_valid", write)
    assert "Self-intersection" in str(error)


def test_history_cannot_be_rewritten(pair, officer):
    parcel_retire(parcel=pair[0], user=officer, reason="Error of registration")
    refused_by(
        "parcel_history_frozen", lambda: Parcel.objects.filter(pk=pair[0].pk).update(number=99)
    )


def test_shares_written_around_the_services_must_add_up(pair, record):
    party = Party.objects.create(kind="person", name_ar="مالك")
    refused_by(
        "right_shares_add_up",
        lambda: Right.objects.create(
            parcel=pair[0],
            party=party,
            kind="ownership",
            share_numerator=1,
            share_denominator=2,
            valid_from=timezone.now(),
            created_by=record,
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_two_writers_cannot_each_add_half_of_an_overlap(locality, town):
    """Two connections register overlapping parcels at the same moment: one commits, the other
    is refused at its commit, however their transactions interleave."""
    record = ParcelTransaction.objects.create(
        kind="create", reason="Concurrent writers", performed_at=timezone.now()
    )
    both_written = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(number: int, shift: float) -> None:
        try:
            x0, y0, x1, y1 = parcel_square(col=0, row=0).extent
            moved = box(x0 + shift, y0, x1 + shift, y1)
            with transaction.atomic():
                raw_parcel(locality=locality, town=town, record=record, number=number, geom=moved)
                both_written.wait(timeout=10)  # each has written; neither has committed
            outcomes.append("committed")
        except IntegrityError as exc:
            outcomes.append(exc.__cause__.diag.constraint_name)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer, args=(1, 0.0)),
        threading.Thread(target=writer, args=(2, 0.00005)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["committed", "parcel_no_overlap"]
    assert Parcel.objects.filter(status="active").count() == 1
