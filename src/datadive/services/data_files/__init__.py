"""Project files: storage, paths, previews, the Jupyter folder, surveys, exports."""
