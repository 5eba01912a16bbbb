"""Parsers: pasted text → :class:`calc.model.ModelSpec`.  One module per input format."""
