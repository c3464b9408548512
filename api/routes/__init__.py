"""Routes, one module per user group: scanner, intake, archivist, qa."""
