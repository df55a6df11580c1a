"""Fixtures for service requests: the municipality (tests.factories.TOWN_BOX), photos made
with Pillow, and uploads kept in a folder of the test's own."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import town_create

INSIDE = (35.2, 31.905)  # lon, lat inside TOWN_BOX
OUTSIDE = (35.25, 31.95)  # north-east of it: Al-Bireh's hills, not the test municipality


@pytest.fixture(autouse=True)
def default_services(db):
    """The departments and services of the data migration. A transactional test elsewhere
    (browser tests) empties every table when it ends, migration rows included; the
    migration's own function puts them back (it skips what exists)."""
    from django.apps import apps

    migration = importlib.import_module("servicerequests.migrations.0002_default_services")
    migration.services_create(apps, None)
    return migration


@pytest.fixture
def town(db):
    return town_create()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def image_bytes(*, kind: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A real small image, encoded by Pillow (with EXIF for a JPEG, which must not be kept)."""
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 80, 40))
    if kind == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make: metadata the stored photo must not carry
        image.save(out, format=kind, exif=exif)
    else:
        image.save(out, format=kind)
    return out.getvalue()


def photo_upload(*, kind: str = "PNG", name: str = "pothole.png", **kwargs) -> SimpleUploadedFile:
    content_type = "image/png" if kind == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, image_bytes(kind=kind, **kwargs), content_type=content_type)


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
