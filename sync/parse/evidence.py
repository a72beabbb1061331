"""Evidence references of checklist items (conventions §2.1, §7.1.4).

An item's text is split at the first evidence separator; the backticked tokens after it
(and manifest-shaped paths written without backticks) are classified so the linker can
tell a run manifest from a repo path, prose, or a malformed citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sync.keys import RUN_ID_FULL

# The separators of conventions §2.1, earliest match wins.
_SEPARATOR = re.compile(r"(?:\.\s+|;\s+|\s+[-—–]\s+|\s+\(|\s+|^)(?:Evidence|evidence)\s*:")
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_BARE_RUNS = re.compile(r"(?<![\w/.`])((?:\.\./)*\.runs/[^\s`'\")\],;]+)")
_EMBEDDED_RUNS = re.compile(r"((?:/|~|\.\./)?[^\s`]*\.runs/[^\s`'\")\],;]+)")
_PATHISH = re.compile(r"^[\w.@~-][\w./@~+-]*(?:\.[A-Za-z0-9]{1,8}|/)$|^[\w.-]+/[\w./@+-]+$")
_PLACEHOLDER = re.compile(r"<[^<>\s]*>|\{[^{}\s]+\}")

KINDS = ("run-manifest", "run-artifact", "run-aggregate", "out-file", "repo-path", "prose", "malformed")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One cited reference, classified."""

    raw: str
    kind: str
    reason: str | None = None  # why a reference is malformed
    task_dir: str | None = None  # ``.runs/<task_dir>/...``
    run_id: str | None = None

    @property
    def manifest(self) -> str | None:
        """The run manifest this reference stands for (a manifest or one of its run's files)."""
        if self.kind in ("run-manifest", "run-artifact") and self.task_dir and self.run_id:
            return f".runs/{self.task_dir}/cli/{self.run_id}/manifest.json"
        return None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"raw": self.raw, "kind": self.kind}
        if self.reason:
            out["reason"] = self.reason
        if self.task_dir:
            out["task_dir"] = self.task_dir
        if self.run_id:
            out["run_id"] = self.run_id
        return out


def split_evidence(text: str) -> tuple[str, str | None]:
    """``(title, evidence text)``; evidence is None when the item has no separator."""
    if "vidence" not in text:
        return text, None
    m = _SEPARATOR.search(text)
    if not m:
        return text, None
    return text[: m.start()], text[m.end() :]


def _malformed(raw: str, reason: str, task_dir: str | None = None, run_id: str | None = None) -> Evidence:
    return Evidence(raw, "malformed", reason, task_dir, run_id)


def classify(raw: str) -> Evidence:
    """Classify one reference token (a path, or prose)."""
    token = raw.strip().rstrip(".,;")
    if " " in token or not token:
        return Evidence(raw, "prose")
    if _PLACEHOLDER.search(token) and ("/" in token or "manifest" in token or "run" in token):
        return _malformed(raw, "placeholder")
    if "/" not in token and not _PATHISH.match(token):
        return Evidence(raw, "prose")
    if any(ch in token for ch in "*?") or "..." in token or "…" in token:
        return _malformed(raw, "glob or ellipsis")
    if token.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", token):
        return _malformed(raw, "absolute path")
    parts = token.removeprefix("./").split("/")
    if ".." in parts:
        return _malformed(raw, "parent-directory (..) path")
    if parts[0] == ".runs":
        return _classify_runs(raw, parts)
    if parts[0] == "out" and len(parts) >= 3:
        if len(parts) == 3 and parts[2] in ("state.json", "runs.json"):
            return Evidence(raw, "run-aggregate", task_dir=parts[1])
        return Evidence(raw, "out-file", task_dir=parts[1])
    if "/" in token or _PATHISH.match(token):
        return Evidence(raw, "repo-path")
    return Evidence(raw, "prose")


def _classify_runs(raw: str, parts: list[str]) -> Evidence:
    if len(parts) < 3 or not parts[1]:
        return _malformed(raw, "no task directory under .runs/")
    task_dir = parts[1]
    if len(parts) == 3 and parts[2] == "metrics.json":
        return Evidence(raw, "run-aggregate", task_dir=task_dir)
    if parts[2] == "metrics":
        return Evidence(raw, "run-aggregate", task_dir=task_dir)
    if parts[2] != "cli":
        return _malformed(raw, "no cli/ segment", task_dir)
    if len(parts) < 4 or not parts[3]:
        return _malformed(raw, "no run id after cli/", task_dir)
    run_id = parts[3]
    if not RUN_ID_FULL.match(run_id):
        return _malformed(raw, "non-canonical run id", task_dir, run_id)
    rest = [p for p in parts[4:] if p]
    if rest == ["manifest.json"]:
        return Evidence(raw, "run-manifest", task_dir=task_dir, run_id=run_id)
    return Evidence(raw, "run-artifact", task_dir=task_dir, run_id=run_id)


def extract(evidence_text: str) -> list[Evidence]:
    """References in the evidence part of an item: backticked tokens, bare ``.runs/`` paths,
    or the whole text as prose when it cites no path."""
    if "`" not in evidence_text and ".runs/" not in evidence_text:
        prose = evidence_text.strip()
        return [Evidence(prose, "prose")] if prose.strip(" .;:") else []
    refs: list[Evidence] = []
    seen: set[str] = set()
    for m in _BACKTICKED.finditer(evidence_text):
        token = m.group(1).strip()
        ev = classify(token)
        if ev.kind == "prose" and ".runs/" in token:
            # e.g. `Completed — .runs/K/cli/<id>/manifest.json`: the path inside counts
            for inner in _EMBEDDED_RUNS.findall(token):
                inner_ev = classify(inner)
                if inner_ev.raw not in seen:
                    seen.add(inner_ev.raw)
                    refs.append(inner_ev)
            continue
        if ev.kind == "prose":
            continue
        if token not in seen:
            seen.add(token)
            refs.append(ev)
    outside = _BACKTICKED.sub(" ", evidence_text)
    for m in _BARE_RUNS.finditer(outside):
        token = m.group(1).rstrip(".")
        if token not in seen:
            seen.add(token)
            refs.append(classify(token))
    if not refs and evidence_text.strip(" .;:"):
        refs.append(Evidence(evidence_text.strip(), "prose"))
    return refs


def extract_runs_anywhere(text: str) -> list[Evidence]:
    """Run references cited without an Evidence label (``; manifest `...` ``)."""
    if ".runs" not in text and "out/" not in text:
        return []
    refs = [
        r for r in extract(text)
        if r.kind.startswith("run-") or r.kind == "out-file" or (r.kind == "malformed" and ".runs" in r.raw)
    ]
    return refs
