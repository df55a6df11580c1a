"""Uploaded files: stored under MEDIA_ROOT (shared by every web server and worker) until the
job that reads them is done, and refused before anything is stored when they are too big."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from rest_framework.request import Request

from core.errors import PayloadTooLarge
from core.storage import DISK_FULL, storage_full


def upload_store(upload) -> str:
    """Save an upload under MEDIA_ROOT/uploads/<random>/ and return its relative path. Only
    the file name's last part is kept, with unsafe characters replaced."""
    name = Path(upload.name).name
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).lstrip(".") or "upload"
    relative = Path("uploads") / uuid.uuid4().hex / safe
    target = Path(settings.MEDIA_ROOT) / relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
    except OSError as error:
        if error.errno not in DISK_FULL:
            raise
        full = storage_full(partial=target)
        if target.parent.exists():
            target.parent.rmdir()
        raise full from error
    return str(relative)


def upload_discard(relative: str) -> None:
    """Remove an upload stored by :func:`upload_store` (its whole random directory). Paths
    outside MEDIA_ROOT/uploads are never touched, whatever ``relative`` says."""
    uploads = (Path(settings.MEDIA_ROOT) / "uploads").resolve()
    directory = (Path(settings.MEDIA_ROOT) / relative).resolve().parent
    if directory.parent == uploads:
        shutil.rmtree(directory, ignore_errors=True)


def upload_check_size(request: Request, *, limit_bytes: int | None = None) -> None:
    """413 before anything is parsed or stored when the upload is over the limit."""
    limit_bytes = limit_bytes or settings.LAYER_UPLOAD_MAX_BYTES
    upload = request.FILES.get("file")
    if upload is not None and upload.size > limit_bytes:
        raise PayloadTooLarge(
            f"The file is {upload.size / 1024**2:.1f} MB; uploads are limited to "
            f"{limit_bytes // 1024**2} MB.",
            code="file_too_large",
        )
