"""Read stage: any supported file → `RawDocument` (`document.read_document`); one reader per format (`text`,
`pdf`, `word`, `html`, `image`, `scan`, `ocr`), the input limits (`files`) and one reading form (`normalize`)."""
