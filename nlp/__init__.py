"""xxgk-nlp: government information-disclosure annual reports → verified, queryable data."""

__version__ = "0.1.0"
