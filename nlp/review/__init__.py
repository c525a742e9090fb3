"""What people read: stored reports read back (`results`), the HTML review pages (`pages`, `charts`, `analytics`),
the terminal (`terminal`, `display`), CSV/XLSX/Parquet (`export`) and Datasette (`serve`, `datasette_plugin`)."""
