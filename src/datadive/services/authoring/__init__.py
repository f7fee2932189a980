"""Notebooks, their cells and templates: order, status words, events, exports."""
