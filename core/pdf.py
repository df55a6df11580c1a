"""HTML to PDF, laid out by WeasyPrint (printable extracts, run sheets)."""

from __future__ import annotations


def html_to_pdf(*, html: str, base_url: str) -> bytes:
    """The PDF (A4 unless the HTML's CSS says otherwise) of ``html``; relative URLs resolve
    against ``base_url``, a directory of the platform's own files (nothing is fetched)."""
    from PIL import ImageFile

    # Imported here: loading Pango costs a fifth of a second.
    from weasyprint import HTML

    # WeasyPrint switches Pillow to accepting truncated images, for the whole process, when it
    # is imported. Every upload check (proof photos, service-request photos) relies on Pillow
    # refusing them, so the switch is put back at once; our PDFs embed only our own images.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=html, base_url=base_url).write_pdf()
