"""layerbot's front ends: thin adapters around :mod:`calc` (terminal, JSON, Discord, storage).

No arithmetic lives here: a front end parses its input, calls calc, renders, replies.
``bot`` may import ``calc``; ``calc`` never imports ``bot``.
"""

__all__: list[str] = []
