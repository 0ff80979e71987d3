"""Pure business rules: no database, no framework, unit-tested on their own."""
