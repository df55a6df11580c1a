"""Uploads that start a job are checked at the door: stored, looked at, and removed again
when they cannot be imported, so that the client hears why at once and no job is recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from core.uploads import upload_discard, upload_store


def upload_stored_checked(upload, check: Callable[[Path], Any]) -> str:
    """Store ``upload`` (core.uploads.upload_store) and run ``check`` on the stored file; its
    path relative to MEDIA_ROOT, or ``check``'s error once the stored file is removed."""
    relative = upload_store(upload)
    path = Path(settings.MEDIA_ROOT) / relative
    try:
        check(path)
    except BaseException:
        upload_discard(relative)
        raise
    return relative
