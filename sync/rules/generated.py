"""TS011: a hand edit inside a region tasksync owns (``tasksync:begin/end`` markers).

Reserved for ``tasksync sync``, which owns those regions; until a repository has such
regions there is nothing to report.
"""

from __future__ import annotations

from collections.abc import Iterator

from sync.findings import Finding
from sync.rules.registry import CheckContext, rule


@rule("TS011", "generated-region-edited", "error", "reserved for sync: a hand edit inside a region tasksync owns")
def generated_region_edited(ctx: CheckContext) -> Iterator[Finding]:
    return iter(())
