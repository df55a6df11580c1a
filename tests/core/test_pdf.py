"""PDFs are laid out by WeasyPrint without weakening the platform's image checks."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from core.errors import InvalidInput
from core.pdf import html_to_pdf
from servicerequests.services import photo_check


def test_a_pdf_is_made_and_pillow_still_refuses_truncated_images(tmp_path):
    pdf = html_to_pdf(html="<p>Ramallah</p>", base_url=str(tmp_path))
    assert pdf.startswith(b"%PDF-")
    # WeasyPrint's import turns this on for the whole process; upload checks need it off.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_after_a_pdf_a_truncated_photo_is_still_refused(tmp_path):
    html_to_pdf(html="<p>run sheet</p>", base_url=str(tmp_path))
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "orange").save(png, format="PNG")
    truncated = SimpleUploadedFile("hole.png", png.getvalue()[:80], content_type="image/png")
    with pytest.raises(InvalidInput) as refused:
        photo_check(truncated)
    assert refused.value.code == "photo_not_an_image"
