"""The domain. Services take a database session or handle, raise domain errors, and never
import FastAPI."""
