"""Tables stage: 表二, 表三 and 表四 read into the stable cell keys of TEMPLATES.md (`extract`), from laid-out
tables, flattened digit runs (`flattened`) and printed cells (`cells`), all driven by the template data (`template`)."""
