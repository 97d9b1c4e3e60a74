"""`python -m bench` from the repository root: a thin alias of the harness in `shandian.bench`."""
