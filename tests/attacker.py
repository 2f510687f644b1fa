"""The attacker of the disclosure tests: :mod:`evalkit.disclosure.audit` (moved there).

Kept so that ``from attacker import ...`` in the tests reads the library's audit.
"""

from evalkit.disclosure.audit import *  # noqa: F403
from evalkit.disclosure.audit import (  # noqa: F401
    Finding,
    Reader,
    Report,
    System,
    _km_events,
    _propagate,
    attack,
    read_html,
    read_reports,
    solve,
)
