"""Deterministic, streaming generator of realistic retail data in the canonical format.

`generate_dataset(GenerationConfig(stores=..., products=..., days=..., seed=...), out_dir)`
writes suppliers.csv, stores.csv, products.csv, sales.csv and inventory.csv as described
in docs/canonical-format.md. See `demand` for the demand model and `inventory` for the
stock simulation that censors sales.
"""

from shelfops.synthetic.config import FileSummary, GenerationConfig, GenerationSummary
from shelfops.synthetic.generator import FILE_NAMES, generate_dataset

__all__ = [
    "FILE_NAMES",
    "FileSummary",
    "GenerationConfig",
    "GenerationSummary",
    "generate_dataset",
]
