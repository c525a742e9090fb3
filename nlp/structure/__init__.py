"""Structure stage: the six sections, their sub-headings, paragraphs and sign-off (`sections`), and the
report's organ, level, region and year (`meta`)."""
