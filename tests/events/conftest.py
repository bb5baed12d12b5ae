"""Catalogue test fixtures: a real picture to upload."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def png_upload():
    from PIL import Image

    def make(name: str = "stage.png", color=(200, 30, 60)) -> SimpleUploadedFile:
        out = io.BytesIO()
        Image.new("RGB", (640, 480), color).save(out, format="PNG")
        return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")

    return make
