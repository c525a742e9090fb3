"""xxgk-nlp: government information-disclosure annual reports → verified, queryable data."""

import os
import sys

if sys.argv[:1] == ["-m"]:  # `python -m nlp`: Python put the working folder first on the module path
    _here = os.path.realpath(os.getcwd())
    _own = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    if _here != _own:  # unless this is the source checkout xxgk runs from
        sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != _here]

from pathlib import Path

__version__ = "0.1.0"

# The shipped paragraph classifier (written by `xxgk train`, read by the classify stage).
MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "paragraph_classifier.npz"
