"""A matplotlib Figure made without pyplot that a notebook still shows (private).

Figures made with ``pyplot`` sit in pyplot's list of open figures, and the inline
backend shows every figure in that list at the end of a cell; a function that also
returns its figure is then shown twice. evalkit's plotting functions therefore make
their figures without pyplot. IPython shows such a figure through its printer for
``Figure``, which exists only once pyplot's inline backend has been activated; this
subclass shows itself in any case (``_repr_png_``), so it is shown exactly once.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["NotebookFigure"]


class NotebookFigure(Figure):
    """A Figure outside pyplot that a notebook shows by itself, once."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()
