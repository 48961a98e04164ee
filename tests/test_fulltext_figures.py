"""Figures are decoded and re-encoded with Pillow: width ≤ the limit; SVG, non-images and pixel bombs refused."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from paperbrief.sources.fulltext import FigureError, ImageFormat, Problem, looks_like_svg, reencode_figure

DATA = Path(__file__).resolve().parent / "data" / "fulltext"


def _png(width: int, height: int, mode: str = "RGB", **info: str) -> bytes:
    image = Image.new(mode, (width, height), "white" if mode != "RGBA" else (0, 0, 0, 0))
    meta = PngImagePlugin.PngInfo()
    for key, value in info.items():
        meta.add_text(key, value)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=meta)
    return out.getvalue()


def _header_only_png(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width`×`height` (a decompression bomb's header) followed by a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_wide_figure_is_shrunk_to_the_width_limit_keeping_the_aspect_ratio() -> None:
    figure = reencode_figure(_png(2000, 500), max_width=800, caption="Teaser")
    image = _open(figure.data)
    assert image.format == "PNG"
    assert (image.width, image.height) == (800, 200) == (figure.width, figure.height)
    assert figure.media_type == "image/png" and figure.extension == "png"
    assert figure.caption == "Teaser"


def test_small_fixture_figure_keeps_its_size() -> None:
    figure = reencode_figure((DATA / "src" / "teaser.png").read_bytes())
    assert (figure.width, figure.height) == (480, 270)
    assert _open(figure.data).size == (480, 270)


@pytest.mark.parametrize(
    ("image_format", "pil_format", "media_type"),
    [(ImageFormat.JPEG, "JPEG", "image/jpeg"), (ImageFormat.WEBP, "WEBP", "image/webp")],
)
def test_other_output_formats(image_format: ImageFormat, pil_format: str, media_type: str) -> None:
    figure = reencode_figure(_png(1200, 600, "RGBA"), max_width=600, image_format=image_format)
    image = _open(figure.data)
    assert image.format == pil_format and image.size == (600, 300)
    assert figure.media_type == media_type


def test_reencoding_drops_embedded_metadata() -> None:
    figure = reencode_figure(_png(100, 50, Comment="<script>alert(1)</script>"))
    assert b"alert" not in figure.data
    assert "Comment" not in _open(figure.data).info


def test_svg_with_script_is_refused() -> None:
    svg = (DATA / "hostile" / "x1.svg").read_bytes()
    assert looks_like_svg(svg)
    with pytest.raises(FigureError) as caught:
        reencode_figure(svg, url="http://x/html/1v1/x1.svg")
    assert caught.value.problem is Problem.SVG_IMAGE
    assert str(caught.value) == "SVG figure refused (it can carry scripts) (http://x/html/1v1/x1.svg)"


def test_bare_svg_without_xml_declaration_is_refused() -> None:
    with pytest.raises(FigureError) as caught:
        reencode_figure(b'  <svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    assert caught.value.problem is Problem.SVG_IMAGE


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Not Found</body></html>", b"%PDF-1.5 not an image", b"", _png(10, 10)[:40]],
    ids=["html", "pdf", "empty", "truncated-png"],
)
def test_figure_that_is_not_an_image_is_refused(body: bytes) -> None:
    with pytest.raises(FigureError) as caught:
        reencode_figure(body)
    assert caught.value.problem is Problem.NOT_IMAGE


def test_pixel_bomb_is_refused_from_its_header() -> None:
    bomb = _header_only_png(100_000, 100_000)  # 10 gigapixels announced in 80 bytes
    assert len(bomb) < 200
    with pytest.raises(FigureError) as caught:
        reencode_figure(bomb)
    assert caught.value.problem is Problem.IMAGE_TOO_LARGE
    # Pillow refuses it when reading the header, before any pixel is allocated.
    assert "decompression bomb" in str(caught.value) and "10000000000 pixels" in str(caught.value)


def test_enormous_real_image_is_refused_under_a_small_pixel_limit() -> None:
    with pytest.raises(FigureError) as caught:
        reencode_figure(_png(3000, 2000), max_pixels=1_000_000)
    assert caught.value.problem is Problem.IMAGE_TOO_LARGE


def test_figure_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(FigureError) as caught:
        reencode_figure(_png(300, 300), max_bytes=100)
    assert caught.value.problem is Problem.IMAGE_TOO_LARGE
