"""Readers that notebooks call: each returns a pandas DataFrame that carries what the file says
about its columns (`df.attrs["datadive"]`, see `datadive.analysis.columns`), with labelled
values held as `datadive.analysis.labels` describes."""

from datadive.analysis.readers.qualtrics import read_qualtrics
from datadive.analysis.readers.stat_files import read_spss, read_stata
from datadive.analysis.readers.tables import read_csv, read_excel

__all__ = ["read_csv", "read_excel", "read_qualtrics", "read_spss", "read_stata"]
