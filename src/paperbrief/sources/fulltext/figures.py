"""Re-encode a paper's figure with Pillow: rasters only, shrunk to a sensible width, SVG refused.

Nothing of the original file is copied: the pixels are decoded and written again as PNG, JPEG or
WebP (https://pillow.readthedocs.io/en/stable/handbook/image-file-formats.html), which drops any
metadata, scripts or trailing payload. SVG is refused rather than sanitized: it is a document that
can carry scripts and external references, and rasterizing it would need another library (see
docs/fulltext.md). A figure over `max_pixels` is refused before its pixels are decoded (Pillow's
decompression-bomb guard, https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.open).
"""

from __future__ import annotations

import io
import warnings
from enum import StrEnum

from PIL import Image, ImageOps, UnidentifiedImageError

from paperbrief.sources.fulltext.errors import FigureError, Problem
from paperbrief.sources.fulltext.model import Figure
from paperbrief.text import one_line

DEFAULT_MAX_WIDTH = 800
DEFAULT_MAX_PIXELS = 40_000_000  # 40 MP: far above any real figure (a 6000×6000 plot is 36 MP)
DEFAULT_MAX_FIGURE_BYTES = 10 * 1024 * 1024
_ACCEPTED = frozenset({"PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"})


class ImageFormat(StrEnum):
    """Output format of a re-encoded figure."""

    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webp"


_MEDIA = {ImageFormat.PNG: "image/png", ImageFormat.JPEG: "image/jpeg", ImageFormat.WEBP: "image/webp"}


def looks_like_svg(body: bytes) -> bool:
    """Whether `body` is an SVG (or other XML) document rather than a raster image."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def _decode(body: bytes, url: str, max_pixels: int) -> Image.Image:
    """Open and load a raster image; `FigureError` for SVG, non-images, unsupported formats and bombs."""
    if looks_like_svg(body):
        raise FigureError(Problem.SVG_IMAGE, "SVG figure refused (it can carry scripts)", url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(body))
            if image.format not in _ACCEPTED:
                raise FigureError(Problem.NOT_IMAGE, f"figure format {image.format} is not accepted", url)
            width, height = image.size
            # Checked before decoding the pixels: the header alone says how big the bitmap would be.
            if width * height > max_pixels:
                raise FigureError(
                    Problem.IMAGE_TOO_LARGE,
                    f"figure is {width}×{height} pixels, over the {max_pixels:,}-pixel limit",
                    url,
                )
            image.load()
    except FigureError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        message = f"figure refused as a decompression bomb: {one_line(exc)}"
        raise FigureError(Problem.IMAGE_TOO_LARGE, message, url) from None
    except UnidentifiedImageError:
        raise FigureError(Problem.NOT_IMAGE, "the figure is not an image", url) from None
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt data (Pillow raises all three)
        raise FigureError(Problem.NOT_IMAGE, f"unreadable figure: {type(exc).__name__}: {exc}", url) from None
    return image


def reencode_figure(
    body: bytes,
    *,
    url: str = "",
    caption: str = "",
    max_width: int = DEFAULT_MAX_WIDTH,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_FIGURE_BYTES,
    image_format: ImageFormat = ImageFormat.PNG,
) -> Figure:
    """Decode a raster figure and write it again at most `max_width` px wide; `FigureError` if refused."""
    if len(body) > max_bytes:
        raise FigureError(Problem.IMAGE_TOO_LARGE, f"figure is {len(body):,} bytes, over {max_bytes:,}", url)
    image = _decode(body, url, max_pixels)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # an animated GIF/WebP: its first frame is the figure
    image = ImageOps.exif_transpose(image)
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    if image_format is ImageFormat.JPEG:
        if image.mode in ("RGBA", "LA", "P"):
            background = Image.new("RGB", image.size, "white")  # JPEG has no alpha: paper figures sit on white
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        else:
            image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    if image_format is ImageFormat.PNG:
        image.save(out, "PNG", optimize=True)
    elif image_format is ImageFormat.JPEG:
        image.save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return Figure(out.getvalue(), _MEDIA[image_format], image.width, image.height, caption=caption, source_url=url)
