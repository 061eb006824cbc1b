"""`python -m lab` is `seclab`."""

from lab.cli import main

main()
