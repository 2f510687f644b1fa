"""Small-cell protection (diskretionering): what a report may publish.

* :mod:`evalkit.disclosure.tables`: primary and secondary suppression of count tables
  (:func:`suppress`), single counts (:func:`suppress_count`) and shares
  (:func:`suppress_share`).
* :mod:`evalkit.disclosure.survival`: the Kaplan-Meier curve a report may draw, from a
  life table grouped so that no step or censoring is a group of 1-4 persons
  (:func:`publishable_curve`).

The rule as a whole (primary, secondary, figures, text, across reports) is in
``docs/privacy.md``.
"""

from evalkit.disclosure.survival import grouped_life_table, publishable_curve
from evalkit.disclosure.tables import (
    SECONDARY_MARK,
    TOTAL_LABEL,
    SuppressedShare,
    SuppressedTable,
    UnprotectableTable,
    suppress,
    suppress_count,
    suppress_share,
    unpublishable_share,
)

__all__ = [
    "SECONDARY_MARK",
    "TOTAL_LABEL",
    "SuppressedShare",
    "SuppressedTable",
    "UnprotectableTable",
    "grouped_life_table",
    "publishable_curve",
    "suppress",
    "suppress_count",
    "suppress_share",
    "unpublishable_share",
]
