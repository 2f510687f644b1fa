"""What a figure draws, as numbers: the audit trail of the disclosure tests.

A report embeds its figures as PNG images, so a reader with a ruler can recover the
plotted values. :func:`figure_data` lists everything a matplotlib figure draws in data
coordinates (lines, bands, points, bars and texts such as the numbers at risk), and
:func:`record_figure` writes that list beside a rendered report when the environment
variable ``EVALKIT_FIGURE_DATA`` names a folder: one ``<sha256 of the PNG>.json`` per
figure, so an auditor can match each ``<img>`` of a report to what it shows. Without the
variable nothing is written; reports never contain these files.

Dates on a date axis are matplotlib date numbers (days since 1970-01-01).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from evalkit._files import atomic_write_text

__all__ = ["FIGURE_DATA_ENV", "figure_data", "record_figure"]

FIGURE_DATA_ENV = "EVALKIT_FIGURE_DATA"


def _floats(values: Any) -> list[float | None]:
    arr = np.asarray(values, dtype=float).ravel()
    return [None if not math.isfinite(v) else float(v) for v in arr]


def _axes_data(ax: Any) -> dict[str, Any]:
    lines = []
    for line in ax.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        if xy.ndim != 2 or xy.shape[1] != 2:
            continue
        lines.append(
            {
                "x": _floats(xy[:, 0]),
                "y": _floats(xy[:, 1]),
                "drawstyle": str(line.get_drawstyle()),
                "linestyle": str(line.get_linestyle()),
                "marker": str(line.get_marker()),
                "label": str(line.get_label()),
                "transform_is_data": line.get_transform() == ax.transData,
            }
        )
    fills, scatter = [], []
    for coll in ax.collections:
        if isinstance(coll, PolyCollection):
            for path in coll.get_paths():
                v = np.asarray(path.vertices, dtype=float)
                fills.append({"x": _floats(v[:, 0]), "y": _floats(v[:, 1])})
        elif isinstance(coll, PathCollection):
            off = np.asarray(coll.get_offsets(), dtype=float).reshape(-1, 2)
            scatter.append(
                {"x": _floats(off[:, 0]), "y": _floats(off[:, 1]), "label": str(coll.get_label())}
            )
    bars = [
        {"x": float(p.get_x()), "width": float(p.get_width()), "height": float(p.get_height())}
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_transform() == ax.transData
    ]
    texts = [
        {"x": float(t.get_position()[0]), "y": float(t.get_position()[1]), "text": t.get_text()}
        for t in ax.texts
    ]
    legend = ax.get_legend()
    return {
        "title": ax.get_title(loc="left") or ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "lines": lines,
        "fills": fills,
        "scatter": scatter,
        "bars": bars,
        "texts": texts,
        "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
        "xticklabels": [t.get_text() for t in ax.get_xticklabels()],
        "yticklabels": [t.get_text() for t in ax.get_yticklabels()],
    }


def figure_data(fig: Figure) -> dict[str, Any]:
    """Everything ``fig`` draws, in data coordinates, as a JSON-ready dict.

    Returns
    -------
    dict
        ``{"axes": [...]}`` with, per axes, its labels and title, ``lines`` (x, y,
        drawstyle, linestyle, marker, label), ``fills`` (the vertices of bands),
        ``scatter`` (point offsets), ``bars`` (x, width, height), ``texts`` (position
        and string, e.g. the numbers at risk), legend and tick label texts. Missing
        values are None.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0.5, 0.25], label="Andel")
    >>> figure_data(fig)["axes"][0]["lines"][0]["y"]
    [0.5, 0.25]
    >>> plt.close(fig)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, but was {type(fig).__name__}")
    return {"axes": [_axes_data(ax) for ax in fig.get_axes()]}


def record_figure(fig: Figure, png: bytes) -> Path | None:
    """Write :func:`figure_data` of ``fig`` to ``$EVALKIT_FIGURE_DATA/<sha256(png)>.json``.

    Does nothing (returns None) when the environment variable is not set.
    """
    folder = os.environ.get(FIGURE_DATA_ENV)
    if not folder:
        return None
    digest = hashlib.sha256(png).hexdigest()
    text = json.dumps(figure_data(fig), ensure_ascii=False, sort_keys=True)
    return atomic_write_text(Path(folder) / f"{digest}.json", text + "\n")
