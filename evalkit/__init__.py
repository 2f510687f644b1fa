"""evalkit: a reproducible evaluation workbench for Danish employment projects.

Importing the package defines things and does nothing else. The submodules are
imported on demand, so ``import evalkit`` stays fast in a batch of 98 reports.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
