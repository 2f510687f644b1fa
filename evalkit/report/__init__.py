"""Report machinery: compute (:mod:`.analysis`), present (:mod:`.sections`), render (:mod:`.render`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.report.analysis import Analysis, prepare

__all__ = ["Analysis", "prepare"]


def __getattr__(name: str) -> Any:
    # imported on first use: a batch worker renders notebooks (evalkit.report.render)
    # without importing the analysis (scipy, statsmodels), which runs in its kernels
    if name in __all__:
        from evalkit.report import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
