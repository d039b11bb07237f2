"""Speed benchmarks: `make bench` / `python -m bench` prints figures (never asserts timings).

See bench/__main__.py for what is measured and how.
"""
