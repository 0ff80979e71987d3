"""`python -m mes` is the `mes` command."""

from mes.cli import main

main()
