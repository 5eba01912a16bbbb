"""``python -m bench``: run the benchmark and print its table (``--help`` for the options)."""

from bench.harness import main

raise SystemExit(main())
