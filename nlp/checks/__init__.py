"""Checks stage: the 勾稽关系 R1–R5 (`identities`), what the prose says against the tables (`claims`), a report
against last year's (`compare`), and the OCR digits the identities decide (`ocr_checks`)."""
