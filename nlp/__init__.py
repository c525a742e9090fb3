"""xxgk-nlp: government information-disclosure annual reports → verified, queryable data."""

__version__ = "0.1.0"

from pathlib import Path

# The shipped paragraph classifier (written by `xxgk train`, read by the classify stage).
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "paragraph_classifier.skops"
