"""Importing operational data into the canonical event tables (docs/importing.md).

`import_file()` in importer.py is the entry point; the other modules are its steps, each named for
what it does: csv_reader (bytes → rows), mapping (their columns → our fields), timestamps and values
(text → typed values), rows (one row → values or problems), writer (batched upsert), quarantine
(bad rows → a file to fix), report (problems and counts).
"""
