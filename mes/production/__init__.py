"""Production use cases: one function per use case, each taking a session and raising typed domain errors."""
