"""Where uploaded files go (MEDIA_ROOT), and what happens when the disk is full: what had begun
to be written is removed, and the client is told (507) instead of a server error. A full disk
must not leave half a file that a job or a page would later take for a whole one."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from core.errors import InsufficientStorage

logger = logging.getLogger(__name__)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def storage_full(*, partial: Path) -> InsufficientStorage:
    """Remove ``partial`` (a file being written when the disk filled up) and return the error
    to raise."""
    logger.error("disk full: %s was not saved", partial)
    partial.unlink(missing_ok=True)
    return InsufficientStorage(
        _(
            "The server's storage is full, so the file was not saved and nothing was changed. "
            "Try again later; the administrator has been told by the server's log."
        )
    )


class MediaStorage(FileSystemStorage):
    """Django's file system storage, except on a full disk (see the module)."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as error:
            if error.errno not in DISK_FULL:
                raise
            raise storage_full(partial=Path(self.path(name))) from error
