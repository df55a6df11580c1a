"""A backup restored into an empty database loses nothing; a bad archive or a database in use
is refused before anything changes."""

import tarfile
import uuid

import psycopg2
import pytest
from django.db import connection

from core.backups import backup_create, backup_restore, table_fingerprints
from core.errors import Conflict, InvalidInput
from tests.factories import town_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    upload = tmp_path / "media" / "proofs" / "2026" / "signature.png"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(bytes(range(256)) * 10)
    return upload


@pytest.fixture
def empty_database():
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {**connection.settings_dict, "NAME": name}
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fingerprints_of(database: dict) -> dict[str, str]:
    with psycopg2.connect(
        dbname=database["NAME"], host=database["HOST"], port=database["PORT"],
        user=database["USER"], password=database["PASSWORD"],
    ) as restored, restored.cursor() as cursor:  # fmt: skip
        return table_fingerprints(cursor=cursor)


def test_a_backup_restored_into_an_empty_database_holds_every_row_and_file(
    media, empty_database, settings, tmp_path
):
    town_create()
    archive = backup_create(destination=tmp_path / "backups")
    with connection.cursor() as cursor:
        before = table_fingerprints(cursor=cursor)
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")

    manifest = backup_restore(archive=archive, database_settings=empty_database)

    assert manifest["tables"]["boundaries_municipality"] >= 1
    assert manifest["media_files"] == 1
    assert fingerprints_of(empty_database) == before
    restored = tmp_path / "restored-media" / "proofs" / "2026" / "signature.png"
    assert restored.read_bytes() == media.read_bytes()


def test_a_damaged_archive_is_refused_and_the_database_left_empty(media, empty_database, tmp_path):
    archive = backup_create(destination=tmp_path / "backups")
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    dump = unpacked / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-100])  # truncated, as by a full disk
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for member in ("manifest.json", "database.dump", "media.tar"):
            tar.add(unpacked / member, arcname=member)
    with pytest.raises(InvalidInput) as refused:
        backup_restore(archive=damaged, database_settings=empty_database)
    assert refused.value.code == "backup_damaged"
    assert fingerprints_of(empty_database) == {}


def test_a_file_that_is_no_archive_is_refused(empty_database, tmp_path):
    junk = tmp_path / "backup.tar"
    junk.write_text("not a tar file")
    with pytest.raises(InvalidInput) as refused:
        backup_restore(archive=junk, database_settings=empty_database)
    assert refused.value.code == "backup_unreadable"


def test_a_restore_into_a_database_in_use_is_refused_and_changes_nothing(media, tmp_path):
    town_create()
    archive = backup_create(destination=tmp_path / "backups")
    with connection.cursor() as cursor:
        before = table_fingerprints(cursor=cursor)
    with pytest.raises(Conflict) as refused:
        backup_restore(archive=archive)
    assert refused.value.code == "backup_target_not_empty"
    with connection.cursor() as cursor:
        assert table_fingerprints(cursor=cursor) == before
