"""SWE-smith-style task synthesis: mutate a repository's library code and keep the mutants that
make good repair tasks.

For each candidate (one mutation site, see :mod:`.mutations`), the whole suite runs on the
mutated tree. A mutant is kept iff at least one test goes from pass to fail (FAIL_TO_PASS), at
least one other still passes (PASS_TO_PASS), fewer than ``max_broken`` of the tests break, the
same outcomes come back when FAIL_TO_PASS + PASS_TO_PASS run again, and the reverse patch
restores the original files byte for byte (the tree on which every test passed in the baseline run).
"""

from __future__ import annotations

import hashlib
import random
import shutil
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from rlvr.envs.swe.backends import Backend
from rlvr.envs.swe.changes import Changes, protected_reason, snapshot, unified_diff
from rlvr.envs.swe.instances import SWEInstance, TreeStore, apply_patch, copy_tree
from rlvr.envs.swe.synthesis.mutations import Site, apply_site, list_sites
from rlvr.envs.swe.synthesis.statements import problem_statement
from rlvr.envs.swe.testrun import GRADING_LIMITS, collect_node_ids, run_tests
from rlvr.tools.sandbox import Limits


@dataclass(frozen=True)
class Candidate:
    """One mutation to try: the file and the site in it."""

    path: str
    site: Site


@dataclass(frozen=True)
class SynthesisConfig:
    """Knobs of :func:`synthesize`.

    max_tasks: stop after this many kept tasks. max_candidates: mutants tried at most.
    per_function: kept tasks per function at most (spreads bugs over the code).
    max_broken: a mutant breaking this fraction of the suite or more is dropped.
    workers: mutants tested in parallel. seed: the order candidates are tried in.
    """

    max_tasks: int = 150
    max_candidates: int = 1000
    per_function: int = 8
    max_broken: float = 0.3
    workers: int = 2
    seed: int = 0


def candidates(tree: Path, config: SynthesisConfig) -> list[Candidate]:
    """Every mutation site in the library's (non-test) Python files, shuffled by ``config.seed``."""
    found = []
    for path in sorted(tree.rglob("*.py")):
        relative = path.relative_to(tree).as_posix()
        if protected_reason(relative, True) or any(part.startswith(".") for part in path.relative_to(tree).parts):
            continue
        try:
            sites = list_sites(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - files libcst cannot parse are skipped
            continue
        found += [Candidate(relative, site) for site in sites]
    random.Random(config.seed).shuffle(found)
    return found[: config.max_candidates]


def synthesize(backend: Backend, repo: str, store: TreeStore, config: SynthesisConfig = SynthesisConfig(),
               base_commit: str = "", log: Callable[[str], None] = lambda _m: None) -> list[SWEInstance]:
    """Tasks made from ``repo`` (``builtin:<name>`` or a local git repository path)."""
    base = SWEInstance(instance_id="base", repo=repo, base_commit=base_commit, problem_statement="", FAIL_TO_PASS=(), PASS_TO_PASS=())
    clean = store.clean_tree(base)
    node_ids = collect_node_ids(backend, clean)
    started = time.monotonic()
    baseline = run_tests(backend, clean, node_ids)
    # Mutants that loop forever are stopped well before the grading limit.
    limits = replace(GRADING_LIMITS, wall_s=max(10.0, 5 * (time.monotonic() - started)))
    passing = [n for n in node_ids if baseline.passed(n)]
    log(f"{repo}: {len(node_ids)} tests collected, {len(passing)} pass on the clean tree")
    if len(passing) < 2:
        raise ValueError(f"{repo}: synthesis needs at least two passing tests, found {len(passing)}")
    package = Path(store.repo_path(repo)).name
    kept: list[SWEInstance] = []
    per_function: dict[tuple[str, str], int] = defaultdict(int)
    tried = 0
    with ThreadPoolExecutor(config.workers) as pool:
        for batch in _batches(candidates(clean, config), config.workers):
            batch = [c for c in batch if per_function[(c.path, c.site.function)] < config.per_function]
            for candidate, instance in zip(batch, pool.map(lambda c: _try(backend, clean, passing, c, config, repo, base_commit, package, limits), batch)):
                tried += 1
                key = (candidate.path, candidate.site.function)
                if instance is None or per_function[key] >= config.per_function:
                    continue
                per_function[key] += 1
                kept.append(instance)
                log(f"  kept {instance.instance_id}: {len(instance.FAIL_TO_PASS)} failing, {len(instance.PASS_TO_PASS)} passing")
            if len(kept) >= config.max_tasks:
                break
    log(f"{repo}: kept {len(kept)} of {tried} mutants tried")
    return kept[: config.max_tasks]


def _batches(items: list[Candidate], size: int) -> Iterator[list[Candidate]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _try(backend: Backend, clean: Path, passing: list[str], candidate: Candidate, config: SynthesisConfig,
         repo: str, base_commit: str, package: str, limits: Limits) -> SWEInstance | None:
    original = (clean / candidate.path).read_text(encoding="utf-8")
    try:
        mutated = apply_site(original, candidate.site)
    except (LookupError, SyntaxError, ValueError):
        return None
    start_files = snapshot(clean)
    bug = unified_diff(Changes({candidate.path: mutated.encode()}), start_files)
    scratch = Path(tempfile.mkdtemp(prefix="rlvr-swe-synth-"))
    try:
        tree = scratch / "repo"
        copy_tree(clean, tree)
        (tree / candidate.path).write_text(mutated, encoding="utf-8")
        run = run_tests(backend, tree, passing, limits)
        broken = {n: run.outcomes[n] for n in passing if not run.passed(n)}
        still = [n for n in passing if run.passed(n)]
        if not broken or not still or len(broken) >= config.max_broken * len(passing):
            return None
        again = run_tests(backend, tree, [*broken, *still], limits)
        if any(again.passed(n) for n in broken) or not all(again.passed(n) for n in still):
            return None  # flaky: the failure does not reproduce
        fix = unified_diff(Changes({candidate.path: original.encode()}), snapshot(tree))
        apply_patch(tree, fix, "reverse patch")
        if snapshot(tree).files != start_files.files:
            return None  # the clean files, on which every test passed in the baseline run
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    digest = hashlib.sha256(f"{repo}\0{candidate.path}\0{mutated}".encode()).hexdigest()[:8]
    instance_id = f"{package}__{candidate.site.operator}__{digest}"
    return SWEInstance(
        instance_id=instance_id,
        repo=repo,
        base_commit=base_commit,
        problem_statement=problem_statement(package, broken, instance_id),
        FAIL_TO_PASS=tuple(broken),
        PASS_TO_PASS=tuple(still),
        patch=fix,
        setup_patch=bug,
        difficulty=round(1.0 / len(broken), 3),
        extra={"mutation": {"operator": candidate.site.operator, "path": candidate.path, "function": candidate.site.function,
                            "line": candidate.site.line, "description": candidate.site.description}},
    )
