"""Report machinery: compute (:mod:`.analysis`), present (:mod:`.sections`), render (:mod:`.render`)."""

from evalkit.report.analysis import Analysis, prepare

__all__ = ["Analysis", "prepare"]
