"""layerbot's benchmark: ``python -m bench`` prints every speed figure and the machine it ran on.

See :mod:`bench.harness` for what is measured and how; ``bench/fixtures/`` holds the summaries
(``tools/bench_fixtures.py`` made the PyTorch ones with the real frameworks).

``python -m bench.fuzz --seconds 600`` is the long run of the fuzz check (:mod:`bench.fuzz`).
"""
