"""Imported by the batch's forkserver before it forks any worker: the jieba dictionaries, the
paragraph classifier and the Chinese parser are loaded once here and shared copy-on-write by
every worker, instead of each worker loading (and holding) its own copy."""

from nlp.chinese import chinese_nlp, words
from nlp.classify import default_model

words("政府信息公开")  # loads jieba's dictionary and ours
chinese_nlp()
default_model()
