"""Scans made from text PDFs, for the OCR tests and bench/ocr.py: the gold is the original's.

A page is rendered (PDFium, as pdftoppm would) at a given resolution and printed-and-scanned
by degrading it on purpose: a red stamp over the table, a few degrees of skew, blur, sensor
noise and JPEG compression. The pages are wrapped as an image-only PDF (img2pdf, the JPEG
bytes unchanged) or written as page images. Every step is seeded, so a scan is the same on
every run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium


@dataclass(frozen=True)
class Degradation:
    """How a page is spoiled; `skew` in degrees (counter-clockwise), `blur` and `noise` in
    units of the 300-dpi page (scaled to the resolution), `jpeg` the quality (0 = PNG)."""

    skew: float = 0.0
    blur: float = 0.0
    noise: float = 0.0
    jpeg: int = 0
    stamp: bool = False


CLEAN = Degradation()
HARSH = Degradation(skew=2.5, blur=0.9, noise=12.0, jpeg=70, stamp=True)


def render_pages(pdf: Path | bytes, dpi: int, pages: list[int] | None = None) -> list[np.ndarray]:
    """RGB images of the PDF's pages (0-based numbers; all when None)."""
    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        numbers = range(len(doc)) if pages is None else pages
        return [
            doc[n].render(scale=dpi / 72, rev_byteorder=True).to_numpy()[:, :, :3].copy() for n in numbers
        ]
    finally:
        doc.close()


def red_stamp(page: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An official seal in red ink (a ring, a star and an arc of strokes) multiplied over the
    page where its print is densest (a table if the page has one)."""
    h, w = page.shape[:2]
    gray = page.min(axis=2)
    ink = (gray < 128).astype(np.float32)
    rows = cv2.blur(ink, (w // 4, h // 6))
    cy, cx = np.unravel_index(int(rows.argmax()), rows.shape)
    cx = int(np.clip(cx + rng.integers(-w // 10, w // 10), w // 5, w - w // 5))
    radius = int(w * 0.09)
    seal = np.full((h, w), 255, dtype=np.uint8)
    thickness = max(2, radius // 12)
    cv2.circle(seal, (cx, int(cy)), radius, 0, thickness, lineType=cv2.LINE_AA)
    star = []
    for k in range(10):
        r = radius * (0.33 if k % 2 else 0.14) * 1.0
        a = -np.pi / 2 + k * np.pi / 5
        star.append((cx + r * np.cos(a) * (1 if k % 2 else 2.3), cy + r * np.sin(a) * (1 if k % 2 else 2.3)))
    cv2.fillPoly(seal, [np.array(star, dtype=np.int32)], 0, lineType=cv2.LINE_AA)
    for k in range(12):  # the organ's name around the ring, as short strokes
        a = np.pi * (0.85 + k * 1.3 / 11)
        r0, r1 = radius * 0.62, radius * 0.82
        p0 = (int(cx + r0 * np.cos(a)), int(cy + r0 * np.sin(a)))
        p1 = (int(cx + r1 * np.cos(a + 0.05)), int(cy + r1 * np.sin(a + 0.05)))
        cv2.line(seal, p0, p1, 0, thickness, lineType=cv2.LINE_AA)
    density = seal.astype(np.float32) / 255  # 0 where the seal's ink is
    red = np.array([225, 35, 40], dtype=np.float32) / 255
    tint = density[:, :, None] + (1 - density[:, :, None]) * red[None, None, :]
    return (page.astype(np.float32) * tint).clip(0, 255).astype(np.uint8)


def degrade(page: np.ndarray, dpi: int, how: Degradation, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = page
    if how.stamp:
        out = red_stamp(out, rng)
    if how.skew:
        h, w = out.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), how.skew, 1.0)
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    scale = dpi / 300
    if how.blur:
        out = cv2.GaussianBlur(out, (0, 0), max(0.3, how.blur * scale))
    if how.noise:
        noisy = out.astype(np.float32) + rng.normal(0, how.noise, out.shape[:2])[:, :, None]
        specks = rng.random(out.shape[:2]) < 0.0005
        noisy[specks] = 0
        out = noisy.clip(0, 255).astype(np.uint8)
    return out


def encode(page: np.ndarray, how: Degradation) -> bytes:
    bgr = cv2.cvtColor(page, cv2.COLOR_RGB2BGR)
    if how.jpeg:
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, how.jpeg])
    else:
        ok, buf = cv2.imencode(".png", bgr)
    assert ok
    return buf.tobytes()


def image_pdf(images: list[bytes], dpi: int) -> bytes:
    """An image-only PDF of encoded page images (no text layer at all)."""
    import img2pdf

    return img2pdf.convert(images, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)))


def scan_pdf(
    pdf: Path | bytes, dpi: int, how: Degradation, seed: int = 0, pages: list[int] | None = None
) -> bytes:
    """The PDF printed and scanned: an image-only PDF of its degraded pages."""
    rendered = render_pages(pdf, dpi, pages)
    return image_pdf([encode(degrade(p, dpi, how, seed + i), how) for i, p in enumerate(rendered)], dpi)


def write_scan(pdf: Path, out: Path, dpi: int, how: Degradation, seed: int = 0) -> Path:
    out.write_bytes(scan_pdf(pdf, dpi, how, seed))
    return out


def png_bytes(page: np.ndarray) -> bytes:
    buf = io.BytesIO()
    ok, enc = cv2.imencode(".png", cv2.cvtColor(page, cv2.COLOR_RGB2BGR))
    assert ok
    buf.write(enc.tobytes())
    return buf.getvalue()
