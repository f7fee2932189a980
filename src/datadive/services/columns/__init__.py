"""Columns offered by the pickers and the checks of a form's column choices."""
