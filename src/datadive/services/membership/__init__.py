"""Projects, their members, and who may do what with them (access checks)."""
