"""File import without a kernel: metadata (columns, types, labels, survey structure) and
previews with column profiles, read from a file on disk.

Pure functions over a path; storage and the Files API call them. Formats are named as the
upload code sniffs them: csv, tsv, text, excel, spss, stata, parquet, json, jsonl, qsf, other.
"""

from datadive.files.delimited import read_qualtrics
from datadive.files.errors import UnreadableFile, UnsupportedFormat
from datadive.files.metadata import FORMATS, read_metadata
from datadive.files.previews import preview

__all__ = [
    "FORMATS",
    "UnreadableFile",
    "UnsupportedFormat",
    "preview",
    "read_metadata",
    "read_qualtrics",
]
