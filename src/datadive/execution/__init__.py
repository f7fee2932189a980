"""Running code on Jupyter: the backend seam (`backend`), the embedded `local` backend, and
the async Jupyter Server client (`client`) that every backend's servers are driven with."""
