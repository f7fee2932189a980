"""The notebook's `.ipynb` in the project, kept in step with the cells both ways."""
