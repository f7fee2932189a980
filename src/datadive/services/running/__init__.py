"""Runs of cells on Jupyter kernels: the executor, progress, questions to the kernel."""
