"""Authentication primitives: password hashing and checks."""
