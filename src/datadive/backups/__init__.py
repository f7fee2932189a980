"""`datadive backup` and `datadive restore`: a consistent copy of the database, the stored
files and the project workspaces, made while Datadive runs, and brought back in one step.

A backup folder holds `manifest.json` (written last: a folder without it is no backup),
`database/datadive.sqlite3`, `blobs/sha256/ab/…` (the stored files, under their storage keys)
and `workspaces/<project id>/…`. See docs/how-to/back-up-and-restore.md.
"""
