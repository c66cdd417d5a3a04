"""A short end-to-end VLA run for ``rlvr demo``: expert demos → behaviour cloning → success per task."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rlvr.agents.vla.evaluate import SuccessReport, evaluate_policy


def run_demo(out: str | Path, tasks: Sequence[str] = ("ButtonPress",), *, demos: int = 5, bc_steps: int = 400, eval_episodes: int = 10, seed: int = 0) -> SuccessReport:
    """Record ``demos`` expert episodes per task, clone them (action chunks of 4, 64 px) into
    ``OUT/bc``, and return the greedy success rate on ``eval_episodes`` held-out layouts per task.

    The policy ends in ``OUT/bc/latest`` (``rlvr eval rlvr/VLA-<Task>-v0 --agent vla:OUT/bc/latest``).
    """
    from rlvr.agents.vla.collect import collect_expert_dataset
    from rlvr.trainers.bc import BCConfig, BCTrainer

    out = Path(out)
    datasets = tuple(
        collect_expert_dataset(f"rlvr/VLA-{task}-v0", demos, seed=seed, datasets_path=out / "datasets").spec.dataset_id
        for task in tasks
    )
    trainer = BCTrainer(BCConfig(datasets=datasets, datasets_path=str(out / "datasets"), out=str(out / "bc"), steps=bc_steps, chunk=4, seed=seed, checkpoint_every=bc_steps, tensorboard=False))
    try:
        trainer.train(progress=False)
    finally:
        trainer.close()
    return evaluate_policy(trainer.policy, list(tasks), episodes=eval_episodes)
