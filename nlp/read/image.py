"""Page images (.jpg, .png, .tif) of a report: each file is one report, read by OCR.

A single image is one page; a multi-page TIFF is one report of several pages. Images in a
folder are separate reports: nothing in a file name says reliably which pages belong together.
The resolution is taken from the page size (an A4 page), not from the file's dpi field, which
scanners and phones fill with 72 or 96 whatever the real resolution.
"""

from __future__ import annotations

from nlp.errors import InputError
from nlp.models import Block

from .ocr import INSTALL_HINT, require_recognizer
from .pdf import pages_to_blocks, scanned_page_content


def read_image(data: bytes, path: str) -> tuple[list[Block], dict]:
    try:
        import cv2
        import numpy as np
    except ImportError:
        raise InputError(path, f"page images need OCR, which is not installed — {INSTALL_HINT}") from None
    from .scan import page_dpi

    buffer = np.frombuffer(data, dtype=np.uint8)
    ok, frames = cv2.imdecodemulti(buffer, cv2.IMREAD_COLOR)
    if not ok or not frames:
        raise InputError(path, "cannot decode the image (damaged or not an image)")
    recognizer = require_recognizer(path)
    pages = []
    skews = []
    for number, frame in enumerate(frames):
        page, skew = scanned_page_content(frame, page_dpi(frame.shape[1], frame.shape[0]), number, recognizer)
        pages.append(page)
        skews.append(skew)
    warning = (
        f"ocr_pages: {len(frames)} page image(s) read by OCR ({recognizer.name}); "
        f"skew corrected up to {max(abs(s) for s in skews):.1f}°"
    )
    return pages_to_blocks(pages), {"pages": len(frames), "warnings": [warning]}
