"""Synthetic but realistic demo data for the five seed projects.

``generate_all(out_dir, seed=2024)`` writes one folder per seed project under
``out_dir`` in the formats a kommune would export. The true effects planted in the data
are listed in :data:`PLANTED` and in ``docs/demo-data.md`` so tests can check that the
estimators recover them.
"""

from __future__ import annotations

from evalkit.demo.generate import PLANTED, PROJECTS, generate_all, generate_project

__all__ = ["PLANTED", "PROJECTS", "generate_all", "generate_project"]
