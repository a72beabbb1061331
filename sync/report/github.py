"""``--format github``: workflow-command annotations (``::error file=…,line=…,title=…::message``)."""

from __future__ import annotations

from sync.findings import Finding

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        props = [f"file={_prop(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_prop(f'{f.rule} {f.name}')}")
        message = f.message + (f" — fix: {f.fix}" if f.fix else "")
        lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
