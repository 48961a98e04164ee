#!/usr/bin/env bash
# Regenerate the full-text fixtures in tests/data/fulltext/ with the real tools arXiv uses:
# LaTeXML (latexmlc --format=html5, arXiv's HTML converter) and pdflatex (TeX Live), plus
# qpdf for an encrypted PDF and Pillow for the teaser PNG and an image-only PDF.
# Needs: bash scripts/apt_install.sh latexml texlive-latex-base texlive-latex-recommended qpdf
# Usage: bash scripts/make_fulltext_fixtures.sh   (from the repository root; PYTHON defaults to .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
DATA=tests/data/fulltext
SRC="$DATA/src"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Reproducible PDFs: pdfTeX takes its dates (and \today) from SOURCE_DATE_EPOCH (2026-01-01 UTC).
export SOURCE_DATE_EPOCH=1767225600 FORCE_SOURCE_DATE=1

# The teaser figure every paper includes: a small bar chart drawn with Pillow.
"$PYTHON" - "$SRC/teaser.png" <<'PY'
import sys
from PIL import Image, ImageDraw

img = Image.new("RGB", (480, 270), "white")
draw = ImageDraw.Draw(img)
for i, height in enumerate([120, 200, 90, 160, 220, 140, 180, 110]):
    x = 30 + i * 55
    draw.rectangle([x, 250 - height, x + 40, 250], fill=(40 + 25 * i, 90, 200 - 15 * i))
draw.line([20, 250, 460, 250], fill="black", width=2)
img.save(sys.argv[1], optimize=True)
PY

for paper in routing denoise graphs; do
  cp "$SRC/$paper.tex" "$SRC/teaser.png" "$WORK/"
  # arXiv's HTML: LaTeXML's html5 output, one directory per paper with its figures next to index.html.
  rm -rf "${DATA:?}/html/$paper"
  mkdir -p "$DATA/html/$paper"
  (cd "$WORK" && latexmlc --quiet --format=html5 --nodefaultresources --timestamp=0 \
      --destination="out-$paper/index.html" "$paper.tex" >/dev/null 2>&1)
  cp "$WORK/out-$paper/"*.html "$WORK/out-$paper/"*.png "$DATA/html/$paper/"
  # The PDF: two pdflatex runs for the references.
  (cd "$WORK" && pdflatex -interaction=nonstopmode -halt-on-error "$paper.tex" >/dev/null \
      && pdflatex -interaction=nonstopmode -halt-on-error "$paper.tex" >/dev/null)
  mkdir -p "$DATA/pdf"
  cp "$WORK/$paper.pdf" "$DATA/pdf/$paper.pdf"
done

# Hostile PDFs: an encrypted copy (qpdf, AES-256 with a user password) and an image-only scan (Pillow, no text layer).
qpdf --encrypt secret owner 256 -- "$DATA/pdf/routing.pdf" "$DATA/pdf/encrypted.pdf"
"$PYTHON" - "$DATA/pdf" <<'PY'
import sys
from pathlib import Path

from PIL import Image, ImageDraw

out = Path(sys.argv[1])

page = Image.new("L", (850, 1100), 255)
draw = ImageDraw.Draw(page)
for row in range(12):
    draw.rectangle([80, 100 + row * 70, 770, 130 + row * 70], fill=60)  # "lines of text" as pixels only
page.save(out / "scanned.pdf", "PDF", resolution=100.0)
PY
echo "fixtures written to $DATA"
