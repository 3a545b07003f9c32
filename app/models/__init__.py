"""Every table module, imported so that SQLModel.metadata knows all tables.

New table modules are picked up automatically; migrations compare against this metadata.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlmodel import SQLModel

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")

metadata = SQLModel.metadata
