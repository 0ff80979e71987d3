"""Use cases: one function per use case, each taking a session and committing once."""
