"""The exploration notebook runs with papermill on a demo project and shows what it promises."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.slow]

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "udforskning.ipynb"


def test_notebook_is_parameterised_and_documented() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "config_path = " in params[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(markdown) >= 6 and all("**DA.**" in c.source or "- " in c.source
                                       for c in markdown)  # fmt: skip
    assert all(c.outputs == [] for c in code), "commit the notebook without outputs"
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_exploration_notebook_runs_on_the_demo_project(demo_config, tmp_path: Path) -> None:
    import papermill as pm

    from evalkit.report.render import _kernel_name

    out = tmp_path / "udforskning.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"config_path": str(demo_config("aalborg-jobparate"))},
        kernel_name=_kernel_name(),
        progress_bar=False,
        cwd=str(NOTEBOOK.parent),
    )
    nb = nbformat.read(out, as_version=4)
    outputs = {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}
    assert not any(o.output_type == "error" for outs in outputs.values() for o in outs)

    def text(cell_id: str) -> str:
        return "\n".join(
            o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs[cell_id]
        )

    assert "2500" in text("participants") and "10000" in text("participants")
    assert "selvforsoergelse" in text("spells")
    # the figure shows once: it is returned, and not also left open in pyplot
    assert sum("image/png" in o.get("data", {}) for o in outputs["km"]) == 1
    # the survival tools: one figure each, R-style printouts
    for cell in ("km-groups", "cif"):
        assert sum("image/png" in o.get("data", {}) for o in outputs[cell]) == 1, cell
    assert "Log-rank test: Chisq" in text("km-groups") and "n.risk" not in text("km")
    assert "Tests:" in text("cif") and "Estimates and Variances" in text("cif")
    assert "Competing Risks Regression" in text("finegray") and "sexM" in text("finegray")
    assert "RMST (M)-(K)" in text("rmst")
    assert "0 forløb startede før dataenes første uge" in text("left-truncation")
    # the same data as if the status panel began 26 weeks after the project start
    late = text("left-truncation-late")
    assert re.search(r"\b[1-9]\d* forløb startede før de afkortede datas første uge", late)
    assert "counting process (delayed entry)" in late and "n.max" in late
    assert sum("image/png" in o.get("data", {}) for o in outputs["left-truncation-late"]) == 1
    kinds = [sorted(o.get("data", {})) for o in outputs["compare"]]
    assert ["image/png", "text/plain"] in kinds  # the love plot
    assert "ipw-att" in text("compare") and "smd" in text("compare").lower()
    assert "Concordance=" in text("cox") and "Likelihood ratio test" in text("cox")
    assert "GLOBAL" in text("cox-zph") and "se=" in text("cox-zph")
    assert any("image/png" in o.get("data", {}) for o in outputs["cox-survfit"])
    assert "n= 12500, number of events=" in text("cox-entry")
    assert "overlevelseskurve" in text("criteria")
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs["sections"])
    assert 'id="succeskriterier"' in html and 'id="andel-af-landet"' in html
