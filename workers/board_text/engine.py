"""The OCR engine: rapidocr's PP-OCR detection and recognition models, on onnxruntime, offline.

The models are files inside rapidocr's wheel (``rapidocr/models``); they are named here explicitly, so the
library never looks for a model by name (its fallback is a download). The text-angle classifier is not
used: a board or a slide filmed by a classroom camera is upright, and the classifier is the one model the
wheel's default configuration would fetch. Recognition's character table is inside the ONNX file.

Detection and recognition are separate calls so that the reader can skip recognising a line it already
read in an earlier frame (``reader``). This is the only module that imports rapidocr.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from tingke.settings import get_settings

log = logging.getLogger(__name__)

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"


class EngineUnavailable(RuntimeError):
    """rapidocr or its model files are not installed."""


def models_dir() -> Path:
    try:
        import rapidocr
    except ImportError as exc:
        raise EngineUnavailable("rapidocr is not installed") from exc
    return Path(rapidocr.__file__).parent / "models"


@dataclass(frozen=True)
class Recognised:
    text: str
    score: float


class OcrEngine:
    """One loaded detector + recogniser. Calls are serialised: onnxruntime sessions are thread-safe, but
    rapidocr keeps per-call flags on the object."""

    def __init__(self, det_side: int, threads: int) -> None:
        folder = models_dir()
        det, rec = folder / DET_MODEL, folder / REC_MODEL
        missing = [p.name for p in (det, rec) if not p.is_file()]
        if missing:
            raise EngineUnavailable(f"rapidocr's wheel lacks {', '.join(missing)} in {folder}")
        from rapidocr import RapidOCR

        self._lock = threading.Lock()
        self._ocr = RapidOCR(params={
            "Global.use_cls": False, "Global.log_level": "error", "Global.model_root_dir": str(folder),
            "Det.model_path": str(det), "Rec.model_path": str(rec),
            "Det.limit_type": "max", "Det.limit_side_len": det_side,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # "no text found" is no warning here

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Quadrilaterals (4×2 float32, clockwise from top left, in image pixels) of the text lines."""
        with self._lock:
            result = self._ocr(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        return [np.asarray(b, dtype=np.float32).reshape(4, 2) for b in boxes]

    def recognise(self, crops: list[np.ndarray]) -> list[Recognised]:
        """The text of each line image (one call each: no padding to the widest line of a batch)."""
        out: list[Recognised] = []
        with self._lock:
            for crop in crops:
                result = self._ocr(crop, use_det=False, use_cls=False, use_rec=True)
                texts, scores = getattr(result, "txts", None), getattr(result, "scores", None)
                if texts and scores:
                    out.append(Recognised(str(texts[0]), float(scores[0])))
                else:
                    out.append(Recognised("", 0.0))
        return out


def crop_line(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line's pixels straightened into an upright rectangle (as PP-OCR's own pipeline crops them)."""
    quad = quad.astype(np.float32)
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    crop = cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE,
                               flags=cv2.INTER_CUBIC)
    if height >= 1.5 * width:  # a vertical line of text: read it turned
        crop = np.rot90(crop)
    return crop


@lru_cache(maxsize=1)
def get_engine() -> OcrEngine:
    """The process's engine, loaded once (about a second) with the current settings."""
    settings = get_settings()
    return OcrEngine(settings.board_text_det_side, settings.board_text_threads)


def warm_up() -> None:
    """Load the models and run each once, as a long-running worker has (benchmarks start from there)."""
    engine = get_engine()
    blank = np.full((96, 320, 3), 255, dtype=np.uint8)
    engine.detect(blank)
    engine.recognise([blank[:48]])
