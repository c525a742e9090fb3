"""Imported by the batch's forkserver before it forks any worker: the jieba dictionaries, the
paragraph classifier and the Chinese parser are loaded once here and shared copy-on-write by
every worker, instead of each worker loading (and holding) its own copy.

scikit-learn and skops import pandas, pyarrow and pytest at import time whenever they are
installed (for DataFrame output and estimator checks the classifier never uses): about 75 MB that
every worker would carry. Those imports are turned away while the pipeline is imported here.
"""

import gc
import importlib.abc
import sys

_UNUSED = frozenset({"pandas", "pyarrow", "pytest"})


class _Unused(importlib.abc.MetaPathFinder):
    """Answers an import of an unused package as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] in _UNUSED:
            raise ModuleNotFoundError(f"No module named {name!r} (not used by the workers)", name=name)
        return None


_finder = _Unused()
if not _UNUSED & sys.modules.keys():
    sys.meta_path.insert(0, _finder)

from nlp.chinese import chinese_nlp, words  # noqa: E402
from nlp.classify import default_model  # noqa: E402
from nlp.pipeline import analyze_file  # noqa: E402, F401  # every reader and stage, imported once

words("政府信息公开")  # loads jieba's dictionary and ours
chinese_nlp()
default_model()
if _finder in sys.meta_path:
    sys.meta_path.remove(_finder)  # later imports (a test's module, say) are the worker's business
gc.freeze()  # the loaded objects leave the collector's reach: collections in a worker no longer write to (and copy) their pages
