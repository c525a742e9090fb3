"""Batches: one file through every stage (`pipeline`); many files in parallel, resumably (`runner`, `preload`),
into the SQLite store (`store`) and atomically written files (`output`)."""
