"""Pictures: validation, metadata stripping, thumbnails, storage under PICTURES_ROOT, serving."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, ImageFile

from apps.core.pictures import (
    PictureInvalid,
    StoredPicture,
    picture_check,
    picture_delete,
    picture_store,
    picture_url,
)

GPS_TAG = 0x8825
ORIENTATION_TAG = 0x0112


def picture_file(fmt: str = "JPEG", size=(640, 480), *, mode: str = "RGB",
                 exif: dict | None = None, name: str = "photo") -> SimpleUploadedFile:
    """An upload holding a real picture; `exif` tags are written into it."""
    image = Image.new(mode, size, (200, 30, 60) if mode == "RGB" else 0)
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data.update(exif)
        options["exif"] = data
    image.save(out, format=fmt, **options)
    return SimpleUploadedFile(f"{name}.{fmt.lower()}", out.getvalue())


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_jpeg_is_reencoded_without_exif_and_gets_a_thumbnail(settings):
    upload = picture_file("JPEG", (1000, 800), exif={GPS_TAG: {1: "N"}, 0x010F: "PhoneCo"})
    assert Image.open(upload).getexif()  # the upload carries metadata

    stored = picture_store(upload=upload, prefix="avatars/7")

    assert stored == StoredPicture(
        name=stored.name, thumbnail_name=stored.thumbnail_name,
        width=1000, height=800, content_type="image/jpeg",
    )
    assert stored.name.startswith("avatars/7/") and stored.name.endswith(".jpg")
    assert len(stored.name.removeprefix("avatars/7/").removesuffix(".jpg")) == 32
    assert stored_files(settings) == sorted([stored.name, stored.thumbnail_name])
    with Image.open(settings.MEDIA_ROOT / stored.name) as image:
        assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (1000, 800), {})
    with Image.open(settings.MEDIA_ROOT / stored.thumbnail_name) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (320, 256))


def test_exif_orientation_is_applied_before_it_is_dropped(settings):
    stored = picture_store(upload=picture_file("JPEG", (40, 20), exif={ORIENTATION_TAG: 6}),
                           prefix="avatars/1")
    assert (stored.width, stored.height) == (20, 40)


@pytest.mark.parametrize(("fmt", "mode", "content_type", "ext"), [
    ("PNG", "RGBA", "image/png", "png"),
    ("WEBP", "RGB", "image/webp", "webp"),
])
def test_png_and_webp_keep_their_format(settings, fmt, mode, content_type, ext):
    upload = picture_file(fmt, (64, 48), mode=mode, exif={0x010F: "PhoneCo"})
    stored = picture_store(upload=upload, prefix="events/3")
    assert (stored.content_type, stored.width, stored.height) == (content_type, 64, 48)
    assert stored.name.endswith(f".{ext}") and stored.thumbnail_name.endswith(f".thumb.{ext}")
    path = settings.MEDIA_ROOT / stored.name
    assert b"PhoneCo" not in path.read_bytes()
    with Image.open(path) as image:
        assert (image.format, image.mode, dict(image.getexif())) == (fmt, mode, {})


def test_the_same_picture_twice_is_one_file(settings):
    first = picture_store(upload=picture_file("PNG"), prefix="events/3")
    second = picture_store(upload=picture_file("PNG"), prefix="events/3")
    assert first == second
    assert len(stored_files(settings)) == 2


def _truncated_jpeg():
    out = io.BytesIO()
    Image.effect_noise((90, 90), 64).save(out, format="JPEG")
    data = out.getvalue()
    return SimpleUploadedFile("cut.jpg", data[: len(data) // 2])


@pytest.mark.parametrize(("make_upload", "message"), [
    (lambda: SimpleUploadedFile("a.jpg", b"not a picture at all"),
     "The file is not a JPEG, PNG or WebP picture."),
    (lambda: picture_file("GIF"), "The file is not a JPEG, PNG or WebP picture."),
    (lambda: picture_file("BMP"), "The file is not a JPEG, PNG or WebP picture."),
    (_truncated_jpeg, "The file is not a JPEG, PNG or WebP picture."),
    (lambda: SimpleUploadedFile("a.png", b""), "The picture is empty."),
    (lambda: SimpleUploadedFile("big.jpg", b"\xff" * 2049), "The picture is larger than 0 MB."),
    # Above the limit: Pillow's warning zone; far above it: Pillow's bomb error.
    (lambda: picture_file("PNG", (110, 100), mode="1"), "The picture has more than 10000 pixels."),
    (lambda: picture_file("PNG", (400, 400), mode="1"), "The picture has more than 10000 pixels."),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(settings, make_upload, message):
    settings.PICTURE_UPLOAD_MAX_BYTES = 2048 if "larger" in message else 10**7
    settings.PICTURE_MAX_PIXELS = 10_000
    with pytest.raises(PictureInvalid) as caught:
        picture_store(upload=make_upload(), prefix="avatars/1")
    too_large = "larger" in message
    assert (caught.value.status_code, caught.value.code) == (
        (413, "payload_too_large") if too_large else (400, "invalid_picture"))
    assert caught.value.message == message
    with pytest.raises(PictureInvalid) as checked:
        picture_check(upload=make_upload())
    assert checked.value.message == message
    assert stored_files(settings) == []


def test_check_accepts_what_store_accepts_and_stores_nothing(settings):
    upload = picture_file("WEBP")
    picture_check(upload=upload)
    assert stored_files(settings) == []
    # A check first does not spoil the upload: storing it afterwards reads it whole.
    assert picture_store(upload=upload, prefix="events/3").content_type == "image/webp"


def test_pixel_limit_is_checked_before_decoding(settings, monkeypatch):
    settings.PICTURE_MAX_PIXELS = 10_000
    upload = picture_file("PNG", (101, 100), mode="1")
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded a bomb"))
    with pytest.raises(PictureInvalid):
        picture_store(upload=upload, prefix="avatars/1")


def test_webp_gets_half_the_pixel_budget_before_decoding(settings, monkeypatch):
    settings.PICTURE_MAX_PIXELS = 20_000
    png, webp = picture_file("PNG", (150, 100)), picture_file("WEBP", (150, 100))
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded it"))
    with pytest.raises(PictureInvalid, match=r"more than 10000 pixels \(WebP\)"):
        picture_store(upload=webp, prefix="avatars/1")
    monkeypatch.undo()
    assert picture_store(upload=png, prefix="avatars/1").width == 150


def test_side_limit_is_checked_before_decoding(settings, monkeypatch):
    settings.PICTURE_MAX_SIDE = 100
    upload = picture_file("PNG", (101, 10), mode="1")
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded it"))
    with pytest.raises(PictureInvalid, match="wider or higher than 100 pixels"):
        picture_store(upload=upload, prefix="avatars/1")


@pytest.mark.parametrize(("fmt", "decoded"), [("JPEG", (2400, 1600)), ("PNG", (4800, 3200))])
def test_large_pictures_are_stored_at_most_2048_wide_jpegs_decoded_at_a_reduced_scale(
    settings, monkeypatch, fmt, decoded,
):
    sizes = []
    load = ImageFile.ImageFile.load

    def recording_load(self):
        sizes.append(self.size)
        return load(self)

    upload = picture_file(fmt, (4800, 3200))
    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)

    stored = picture_store(upload=upload, prefix="events/1")

    assert sizes[0] == decoded
    assert (stored.width, stored.height) == (2048, 1365)
    with Image.open(settings.MEDIA_ROOT / stored.name) as saved:
        assert saved.size == (2048, 1365)


def test_a_failed_write_leaves_nothing_behind(settings, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage.save
    calls = []

    def save_then_fail(self, name, content, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(self, name, content, **kwargs)

    monkeypatch.setattr(FileSystemStorage, "save", save_then_fail)
    with pytest.raises(OSError, match="disk full"):
        picture_store(upload=picture_file(), prefix="avatars/1")
    assert len(calls) == 2
    assert stored_files(settings) == []


def test_prefix_must_be_a_plain_relative_folder():
    for prefix in ("../etc", "/abs", "avatars/../x", "", "a//b"):
        with pytest.raises(ValueError, match="invalid picture prefix"):
            picture_store(upload=picture_file(), prefix=prefix)


def test_delete_removes_files_and_ignores_missing_ones(settings):
    stored = picture_store(upload=picture_file(), prefix="avatars/1")
    picture_delete(names=[stored.name, stored.thumbnail_name, "avatars/1/gone.jpg", ""])
    assert stored_files(settings) == []


def test_served_with_etag_long_cache_and_304():
    stored = picture_store(upload=picture_file("PNG", (10, 10)), prefix="events/3")
    url = picture_url(stored.name)
    assert url == f"/media/{stored.name}"

    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response["ETag"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (10, 10)

    again = Client().get(url, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert Client().head(url).status_code == 200
    assert Client().get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.parametrize("path", [
    "/media/avatars/1/missing.jpg",
    "/media/../concert/settings.py",
    "/media/%2e%2e/%2e%2e/etc/passwd.png",
    "/media/avatars",
    "/media/notes.txt",
    "/media/avatars/1/a%00.png",
    "/media/avatars/1/%00",
])
def test_anything_but_a_stored_picture_is_404(settings, path):
    (settings.MEDIA_ROOT / "avatars").mkdir(parents=True)
    (settings.MEDIA_ROOT / "notes.txt").write_text("private")
    response = Client().get(path)
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not_found"


def test_a_picture_that_grows_when_reencoded_past_the_limit_is_413(settings):
    # Noise saved at quality 5 is small; re-encoded at the service's quality it is not. What
    # is stored is served through the function, so it must fit PICTURE_MAX_BYTES, however
    # small the upload was.
    image = Image.effect_noise((400, 400), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=5)
    settings.PICTURE_MAX_BYTES = len(out.getvalue()) + 1
    with pytest.raises(PictureInvalid) as caught:
        picture_store(upload=SimpleUploadedFile("noise.jpg", out.getvalue()), prefix="events/1")
    assert (caught.value.status_code, caught.value.code) == (413, "payload_too_large")
    assert stored_files(settings) == []
