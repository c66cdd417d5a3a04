"""pass@k of a model on the held-out tasks ``grpo_learning.py`` evaluates on: how much a GRPO run
can at most sharpen by sampling (pass@1 can rise toward pass@k, not beyond, without new skills).

Samples ``--samples`` episodes per task at the training temperature and reports the unbiased
estimator pass@k = 1 - C(n - c, k) / C(n, k) averaged over tasks; writes ``results/pass_at_k.json``.

    .venv/bin/python benchmarks/pass_at_k.py --model models/tiny-countdown models/tiny-countdown-quick
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rlvr.agents.llm.engine import EpisodeRequest, derive_seed
from rlvr.trainers.grpo import EVAL_STREAM, GRPOConfig, GRPOTrainer

RESULTS = Path(__file__).parent / "results"


def pass_at_k(n: int, correct: int, k: int) -> float:
    return 1.0 if n - correct < k else 1.0 - math.comb(n - correct, k) / math.comb(n, k)


def measure(model: str, env: str, difficulty: float, tasks: int, samples: int, max_new_tokens: int, seed: int) -> dict[str, float]:
    config = GRPOConfig(env=env, env_kwargs={"difficulty": difficulty}, model=model, out=tempfile.mkdtemp(prefix="pass-at-k-"), steps=1,
                        tasks_per_step=1, group_size=2, max_new_tokens=max_new_tokens, eval_every=0, checkpoint_every=10**9, seed=seed,
                        progress=False, tensorboard=False, device="cpu")
    trainer = GRPOTrainer(config)
    started = time.perf_counter()
    requests = [EpisodeRequest(group=i, seed=derive_seed(seed, EVAL_STREAM, i)) for i in range(tasks) for _ in range(samples)]
    trainer.rollouts.sync(trainer.model, trainer.weights_version)
    outcomes: dict[int, list[bool]] = defaultdict(list)
    for rollout in trainer.rollouts.run(requests, trainer.params, seed=derive_seed(seed, EVAL_STREAM, 1)):
        verdict = rollout.trajectory.verdict
        outcomes[rollout.group].append(bool(verdict and verdict.correct))
    trainer.close()
    ks = [k for k in (1, 2, 4, 8, 16, 32, 64) if k <= samples]
    result = {f"pass@{k}": sum(pass_at_k(len(v), sum(v), k) for v in outcomes.values()) / len(outcomes) for k in ks}
    return {**result, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", nargs="+", default=["models/tiny-countdown"])
    parser.add_argument("--env", default="rlvr/Countdown-v0")
    parser.add_argument("--difficulty", type=float, default=0.0)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = {}
    for model in args.model:
        results[model] = measure(model, args.env, args.difficulty, args.tasks, args.samples, args.max_new_tokens, args.seed)
        print(model, " ".join(f"{k} {v:.3f}" for k, v in results[model].items() if k.startswith("pass@")), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pass_at_k.json").write_text(json.dumps({"settings": vars(args), "results": results}, indent=2))


if __name__ == "__main__":
    main()
