"""render._clean: what a reader must not see is removed before export."""

from __future__ import annotations

import nbformat

from evalkit.report.render import _clean


def _nb() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output
    cells = [
        nbformat.v4.new_markdown_cell("doc", metadata={"tags": ["remove_cell"]}),
        nbformat.v4.new_code_cell("p = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("p = 2", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x", outputs=[out("stream", name="stderr", text="warn")]),
        nbformat.v4.new_code_cell("e", outputs=[out("display_data", data={"text/html": "  "})]),
        nbformat.v4.new_code_cell(
            "s",
            outputs=[
                out("stream", name="stderr", text="FutureWarning"),
                out("display_data", data={"text/html": "<h2>Afsnit</h2>", "text/plain": "x"}),
            ],
        ),
        nbformat.v4.new_markdown_cell("## Kept"),
    ]
    nb.cells = cells
    return nb


def test_clean_keeps_only_visible_content() -> None:
    nb = _clean(_nb())
    assert [c.source for c in nb.cells] == ["s", "## Kept"]
    (only,) = nb.cells[0].outputs
    assert only["data"]["text/html"] == "<h2>Afsnit</h2>"
