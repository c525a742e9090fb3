"""OCR engines behind one small interface: read a batch of text-line images.

The engine is RapidOCR's PP-OCRv6 recogniser (the `rapidocr` wheel ships the ONNX model, so
nothing is downloaded at run time), run by onnxruntime on one thread: the batch already runs
one worker process per file. The line images are cut by `nlp.read.scan`, so the detection
model is not needed. The recogniser gives a probability for every character of its alphabet at
every position; the text is its best path (CTC greedy decoding). A line that reads as a number
is decoded again over digits only (a letter O or l in a number cell is the digit 0 or 1), and
each digit's runner-up, when the engine gives it a real chance, or its 6/8 twin, makes an
alternative reading that the identity checks may need (`nlp.checks.ocr_checks`).

Tesseract (Debian's tesseract-ocr-chi-sim through tesserocr) is the other engine measured in
bench/ocr.py; docs/ocr.md compares the two.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from nlp.errors import InputError

INSTALL_HINT = "pip install 'xxgk-nlp[ocr]' (rapidocr, onnxruntime, opencv-python-headless)"

_NUMBER_LIKE_RE = re.compile(r"[\dOoDlI|]")
_NUMBER_CHARS_RE = re.compile(r"^[\dOoDlI|.,，。+\-]+$")
_DIGITS = "0123456789"
_NUMBER_ALPHABET = _DIGITS + ".-"
# Confusions of print that the engine's own runner-up may not show.
_TWINS = {"6": "8", "8": "6"}
_RUNNER_UP_MIN = 0.02
_SHORT = 4  # characters: longer non-numeric readings are text, whatever column they are in
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")  # an alternative digit needs this probability at its position
_MAX_ALTERNATIVES = 4


@dataclass(frozen=True)
class Reading:
    """What the engine read in one line image (or one cell: its lines joined)."""

    text: str
    confidence: float
    number: bool = False  # read over digits only
    alternatives: tuple[str, ...] = ()  # other readings of a number, most likely first
    # A short reading without Chinese ('ó', 'a'): the same image read over digits only, for a
    # cell in a column of numbers (a speck beside a small 0 is read as an accent otherwise).
    as_number: Reading | None = None

    @staticmethod
    def join(parts: list[Reading], joiner: str) -> Reading:
        if len(parts) == 1:
            return parts[0]
        return Reading(
            joiner.join(p.text for p in parts),
            min(p.confidence for p in parts),
        )


class Recognizer(Protocol):
    name: str

    def read(self, images: list[np.ndarray]) -> list[Reading]: ...


class OcrUnavailable(Exception):
    """No OCR engine is installed; the message says what to install."""


def looks_numeric(text: str) -> bool:
    t = text.strip()
    return bool(t) and _NUMBER_CHARS_RE.match(t) is not None and _NUMBER_LIKE_RE.search(t) is not None


# ---------------------------------------------------------------- RapidOCR (PP-OCRv6)


class RapidRecognizer:
    """PP-OCRv6 text recognition run by onnxruntime, with our own CTC decoding."""

    name = "rapidocr PP-OCRv6 rec"
    _HEIGHT = 48
    _BATCH = 8

    def __init__(self, threads: int = 1) -> None:
        try:
            import cv2  # noqa: F401  # the page images are cut with OpenCV
            import onnxruntime as ort
        except ImportError as exc:
            raise OcrUnavailable(f"no OCR engine installed ({exc.name} missing): {INSTALL_HINT}") from None
        spec = importlib.util.find_spec("rapidocr")  # the package carries the model; not imported
        if spec is None or spec.origin is None:
            raise OcrUnavailable(f"no OCR engine installed (rapidocr missing): {INSTALL_HINT}")
        model = Path(spec.origin).parent / "models" / "PP-OCRv6_rec_small.onnx"
        if not model.is_file():
            raise OcrUnavailable(f"the OCR model {model.name} is not in the rapidocr package: {INSTALL_HINT}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # No arena: it keeps the largest batch's activations (hundreds of MB) for the life of
        # the worker.
        options.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        meta = self.session.get_modelmeta().custom_metadata_map
        self.alphabet = ["", *meta["character"].splitlines(), " "]
        index = {ch: i for i, ch in enumerate(self.alphabet)}
        self.number_classes = np.array([0, *(index[ch] for ch in _NUMBER_ALPHABET)])
        self.letter_digits = {
            index[a]: b
            for a, b in (("O", "0"), ("o", "0"), ("D", "0"), ("l", "1"), ("I", "1"), ("|", "1"))
            if a in index
        }

    def _prepare(self, image: np.ndarray, width: int) -> np.ndarray:
        import cv2

        h, w = image.shape[:2]
        resized_w = min(width, max(1, math.ceil(self._HEIGHT * w / h)))
        resized = cv2.resize(
            image,
            (resized_w, self._HEIGHT),
            interpolation=cv2.INTER_AREA if h > self._HEIGHT else cv2.INTER_LINEAR,
        )
        out = np.zeros((3, self._HEIGHT, width), dtype=np.float32)
        plane = resized.astype(np.float32) / 127.5 - 1.0
        out[:, :, :resized_w] = plane[None, :, :]
        return out

    def read(self, images: list[np.ndarray]) -> list[Reading]:
        ratios = [img.shape[1] / img.shape[0] for img in images]
        order = np.argsort(ratios)
        results: list[Reading | None] = [None] * len(images)
        for start in range(0, len(images), self._BATCH):
            chunk = order[start : start + self._BATCH]
            width = max(int(self._HEIGHT * max(ratios[i] for i in chunk)) + 1, 16)
            batch = np.stack([self._prepare(images[i], width) for i in chunk])
            probs = self.session.run(None, {self.input: batch})[0]
            for k, i in enumerate(chunk):
                results[i] = self._decode(probs[k])
        return [r if r is not None else Reading("", 0.0) for r in results]

    def _decode(self, probs: np.ndarray) -> Reading:
        best = probs.argmax(axis=1)
        chars, scores = _collapse(best, probs[np.arange(len(best)), best])
        text = chinese_punctuation("".join(self.alphabet[c] for c in chars))
        confidence = float(np.mean(scores)) if scores else 0.0
        if looks_numeric(text):
            return self._decode_number(probs)
        if 0 < len(text.strip()) <= _SHORT and not _HAN_RE.search(text):
            return Reading(text, confidence, as_number=self._decode_number(probs))
        return Reading(text, confidence)

    def _decode_number(self, probs: np.ndarray) -> Reading:
        """Best path over digits, '.', '-' and blank; each digit's runner-up is kept."""
        sub = probs[:, self.number_classes]
        best = sub.argmax(axis=1)
        spans: list[tuple[int, int]] = []  # (class in sub, frame of its peak)
        prev = 0
        for t, c in enumerate(best):
            if c != 0 and c != prev:
                spans.append((int(c), t))
            elif c != 0 and c == prev and sub[t, c] > sub[spans[-1][1], c]:
                spans[-1] = (int(c), t)
            prev = c
        alphabet = "\0" + _NUMBER_ALPHABET
        spans = _number_shape(spans, alphabet)
        if not spans:
            return Reading("", 0.0, number=True)
        digits = [alphabet[c] for c, _ in spans]
        scores = [float(sub[t, c]) for c, t in spans]
        options: list[tuple[float, str]] = []
        for pos, (c, t) in enumerate(spans):
            if alphabet[c] not in _DIGITS:
                continue
            row = sub[t].copy()
            row[0] = row[c] = 0
            runner = int(row.argmax())
            twin = _TWINS.get(alphabet[c])
            if row[runner] >= _RUNNER_UP_MIN and alphabet[runner] in _DIGITS:
                options.append((float(row[runner]), _replace(digits, pos, alphabet[runner])))
            if twin is not None:
                options.append((float(row[_NUMBER_ALPHABET.index(twin) + 1]), _replace(digits, pos, twin)))
        text = "".join(digits)
        alternatives: list[str] = []
        for _p, alt in sorted(options, reverse=True):
            if alt != text and alt not in alternatives:
                alternatives.append(alt)
        return Reading(text, float(np.mean(scores)), True, tuple(alternatives[:_MAX_ALTERNATIVES]))


def _number_shape(spans: list[tuple[int, int]], alphabet: str) -> list[tuple[int, int]]:
    """A number's characters: a speck of noise read as '.' or '-' next to the digits is not
    part of it (a point only between digits, a minus sign only in front)."""
    chars = [alphabet[c] for c, _ in spans]
    while chars and chars[-1] in ".-":
        chars.pop()
        spans = spans[:-1]
    while chars and chars[0] == ".":
        chars.pop(0)
        spans = spans[1:]
    keep = [
        i
        for i, ch in enumerate(chars)
        if ch.isdigit() or (ch == "-" and i == 0) or (ch == "." and "." not in chars[:i])
    ]
    return [spans[i] for i in keep]


_HALF_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALF_AFTER_HAN_RE = re.compile(r"(?<=[\u4e00-\u9fff”）》])[,;:?!]")


def chinese_punctuation(text: str) -> str:
    """Punctuation after a Chinese character in its full width, as Chinese print sets it: the
    engine cannot see the width of a comma ("措施,严格" → "措施，严格")."""
    return _HALF_AFTER_HAN_RE.sub(lambda m: _HALF_WIDTH[m.group()], text)


def _collapse(best: np.ndarray, peak: np.ndarray) -> tuple[list[int], list[float]]:
    chars: list[int] = []
    scores: list[float] = []
    prev = 0
    for c, p in zip(best.tolist(), peak.tolist(), strict=True):
        if c != 0 and c != prev:
            chars.append(c)
            scores.append(p)
        prev = c
    return chars, scores


def _replace(digits: list[str], pos: int, digit: str) -> str:
    return "".join([*digits[:pos], digit, *digits[pos + 1 :]])


# ---------------------------------------------------------------- Tesseract (for comparison)


class TesseractRecognizer:
    """Tesseract 5 (LSTM, chi_sim) one line at a time; numbers again with a digit whitelist."""

    name = "tesseract chi_sim"

    def __init__(self) -> None:
        try:
            import tesserocr
        except ImportError as exc:
            raise OcrUnavailable(f"tesserocr is not installed ({exc.name})") from None
        tessdata = _tessdata()
        self._api = tesserocr.PyTessBaseAPI(path=tessdata, lang="chi_sim", psm=tesserocr.PSM.SINGLE_LINE)
        self._digits = tesserocr.PyTessBaseAPI(path=tessdata, lang="eng", psm=tesserocr.PSM.SINGLE_LINE)
        self._digits.SetVariable("tessedit_char_whitelist", _NUMBER_ALPHABET)

    def read(self, images: list[np.ndarray]) -> list[Reading]:
        from PIL import Image

        out = []
        for image in images:
            pil = Image.fromarray(image)
            self._api.SetImage(pil)
            text = self._api.GetUTF8Text().strip().replace(" ", "")
            conf = self._api.MeanTextConf() / 100
            if looks_numeric(text):
                self._digits.SetImage(pil)
                text = self._digits.GetUTF8Text().strip().replace(" ", "")
                out.append(Reading(text, self._digits.MeanTextConf() / 100, True))
            else:
                out.append(Reading(text, conf))
        return out


def _tessdata() -> str:
    for path in (
        os.environ.get("TESSDATA_PREFIX"),
        "/usr/share/tesseract-ocr/5/tessdata",
        "/usr/share/tesseract-ocr/4.00/tessdata",
    ):
        if path and (Path(path) / "chi_sim.traineddata").is_file():
            return path
    raise OcrUnavailable("Tesseract's Chinese data is not installed: apt-get install tesseract-ocr-chi-sim")


ENGINES = {"rapidocr": RapidRecognizer, "tesseract": TesseractRecognizer}


@lru_cache(maxsize=2)
def recognizer(engine: str = "rapidocr") -> Recognizer:
    """The engine a worker process loads once and keeps (about 0.3 s to load)."""
    return ENGINES[engine]()


def require_recognizer(path: str) -> Recognizer:
    """The OCR engine, or an InputError for this file saying what to install."""
    engine = os.environ.get("XXGK_OCR_ENGINE", "rapidocr")
    if engine not in ENGINES:
        raise InputError(
            path, f"unknown OCR engine '{engine}' in XXGK_OCR_ENGINE (known: {', '.join(ENGINES)})"
        )
    try:
        return recognizer(engine)
    except OcrUnavailable as exc:
        raise InputError(path, f"scanned pages need OCR, which is not installed — {exc}") from None
