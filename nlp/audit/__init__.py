"""Reviewers' work: findings with stable ids (`findings`, `rulebook`), decisions and corrected cells (`reviewdb`,
`decisions`, `corrected`), indicators, coverage, letters to units (`indicators`, `coverage`, `letters`), the web app and its commands (`webapp`, `commands`)."""
