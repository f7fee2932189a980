"""Pydantic schemas of the HTTP API: `XCreate`, `XUpdate`, `XPublic` per resource."""
