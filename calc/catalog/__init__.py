"""The layer catalog: one entry per layer kind and framework.  Importing this package registers them all."""

from calc.catalog import (  # noqa: F401  (importing a module registers its entries)
    activation,
    attention,
    conv,
    dense,
    embedding,
    merge,
    normalization,
    pooling,
    recurrent,
    reshape,
)
from calc.catalog.base import (
    MAX_SIZE,
    Config,
    Derived,
    LayerCalc,
    LayerKind,
    Weight,
    all_kinds,
    derive,
    lookup,
    register,
)

__all__ = ["MAX_SIZE", "Config", "Derived", "LayerCalc", "LayerKind", "Weight", "all_kinds", "derive", "lookup", "register"]
