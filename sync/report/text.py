"""Human output: findings grouped by file, colour only on a terminal (``NO_COLOR`` honoured)."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from sync.findings import Finding

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(findings: list[Finding], *, colour: bool, tasks: int) -> str:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    out: list[str] = []
    for path, group in groupby(findings, key=lambda f: f.path):
        out.append(paint(path, _BOLD))
        for f in group:
            where = f"{f.line}" if f.line else "-"
            sev = paint(f"{f.severity:<7}", _COLOURS[f.severity])
            out.append(f"  {where:>5}  {sev}  {f.rule} {f.name}  {f.message}")
            for rel in f.related:
                out.append(paint(f"         ↳ see {rel}", _DIM))
            if f.fix:
                out.append(paint(f"         fix: {f.fix}", _DIM))
        out.append("")
    counts = Counter(f.severity for f in findings)
    files = len({f.path for f in findings})
    out.append(
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info in {files} file(s); "
        f"{tasks} task(s) checked"
    )
    return "\n".join(out) + "\n"
