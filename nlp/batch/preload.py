"""Imported by the batch's forkserver before it forks any worker: the readers, the jieba
dictionaries, the paragraph classifier and the Chinese parser are loaded once here and shared
copy-on-write by every worker, instead of each worker loading (and holding) its own copy.
"""

import gc

from nlp.batch.pipeline import analyze_file  # noqa: F401  # every stage, imported once
from nlp.classify.chinese import chinese_nlp, words
from nlp.classify.model import default_model
from nlp.read.document import import_readers

import_readers()

words("政府信息公开")  # loads jieba's dictionary and ours
chinese_nlp()
default_model()
gc.freeze()  # the loaded objects leave the collector's reach: collections in a worker no longer write to (and copy) their pages
