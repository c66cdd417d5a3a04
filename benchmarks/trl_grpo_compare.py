"""rlvr's GRPO trainer against TRL's ``GRPOTrainer``: step time, peak memory and reward per step.

Both sides train the same local model on the same single-turn tasks with the same settings:
``--tasks`` prompts per step × ``--group`` completions each, ``--max-new-tokens`` per completion,
temperature 1, group-scaled advantages, no KL (TRL's default ``beta=0``), the clipped token-level
objective averaged over every token of the step (TRL's ``loss_type="dapo"`` = our
``token-mean``), one optimiser step per generation batch in micro-batches of ``--micro-batch``
(TRL: ``per_device_train_batch_size`` × ``gradient_accumulation_steps``), constant learning rate,
one torch thread. The tasks match too: step ``s`` uses the tasks our trainer draws for step ``s``
(``env.reset(seed=derive_seed(seed, s, g))``), given to TRL in that order with shuffling off.

Each side runs in its own process (``--side``), so peak RSS (``VmHWM``) is that side's alone;
the sides alternate over ``--repeats`` rounds so both see the same machine load. Step time is
the median over the steps after the first (warm-up) of every round.

    .venv/bin/python benchmarks/trl_grpo_compare.py --model models/tiny-countdown
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "trl_grpo_compare.json"
ENV_ID = "rlvr/Countdown-v0"


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_ours(args: argparse.Namespace, out: Path) -> dict:
    from rlvr.trainers.grpo import GRPOConfig, GRPOTrainer

    config = GRPOConfig(
        env=ENV_ID, env_kwargs={"difficulty": args.difficulty}, model=args.model, out=str(out), steps=args.steps,
        tasks_per_step=args.tasks, group_size=args.group, max_new_tokens=args.max_new_tokens, learning_rate=args.lr,
        micro_batch_size=args.micro_batch, eval_every=0, checkpoint_every=10**6, seed=args.seed, progress=False, tensorboard=False,
        device="cpu", torch_threads=1,
    )
    trainer = GRPOTrainer(config)
    after_load = rss_mib()
    times, rewards, tokens = [], [], []
    for _ in range(args.steps):
        metrics = trainer.train_step()
        trainer.step += 1
        times.append(metrics["step_seconds"])
        rewards.append(metrics["reward"])
        tokens.append(metrics["response_tokens"])
    trainer.close()
    return {"step_seconds": times, "reward": rewards, "completion_tokens": tokens, "rss_after_load_mib": after_load}


def run_trl(args: argparse.Namespace, out: Path) -> dict:
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    import rlvr
    from rlvr.agents.llm.engine import derive_seed

    env = rlvr.make(ENV_ID, difficulty=args.difficulty)
    rows = []
    for step in range(args.steps):
        for group in range(args.tasks):
            obs, info = env.reset(seed=derive_seed(args.seed, step, group))
            rows.append({"prompt": [{"role": m["role"], "content": m["content"]} for m in obs], "task_id": info["task_id"]})

    def countdown_reward(prompts, completions, task_id, **_) -> list[float]:
        rewards = []
        for completion, task in zip(completions, task_id):
            env.reset(options={"task": task})
            rewards.append(float(env.step(completion[0]["content"])[1]))
        return rewards

    class StepClock(TrainerCallback):
        def __init__(self):
            self.times, self.rewards, self.tokens = [], [], []

        def on_step_begin(self, *_, **__):
            self.started = time.perf_counter()

        def on_step_end(self, *_, **__):
            self.times.append(time.perf_counter() - self.started)

        def on_log(self, _args, _state, _control, logs=None, **__):
            if logs and "reward" in logs:
                self.rewards.append(logs["reward"])
                self.tokens.append(logs.get("completions/mean_length", float("nan")))

    torch.set_num_threads(1)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    per_step = args.tasks * args.group
    config = GRPOConfig(
        output_dir=str(out), max_steps=args.steps, per_device_train_batch_size=args.micro_batch,
        gradient_accumulation_steps=per_step // args.micro_batch, num_generations=args.group,
        max_completion_length=args.max_new_tokens, temperature=1.0, learning_rate=args.lr, lr_scheduler_type="constant",
        beta=0.0, loss_type="dapo", scale_rewards="group", use_cpu=True, bf16=False, report_to="none", save_strategy="no",
        logging_steps=1, shuffle_dataset=False, seed=args.seed, disable_dropout=True, dataloader_num_workers=0,
    )
    clock = StepClock()
    trainer = GRPOTrainer(model=model, reward_funcs=countdown_reward, args=config, train_dataset=Dataset.from_list(rows), processing_class=tokenizer, callbacks=[clock])
    after_load = rss_mib()
    trainer.train()
    return {"step_seconds": clock.times, "reward": clock.rewards, "completion_tokens": clock.tokens, "rss_after_load_mib": after_load}


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        result = (run_ours if args.side == "ours" else run_trl)(args, Path(tmp) / "run")
    result["peak_rss_mib"] = peak_rss_mib()
    print("RESULT " + json.dumps(result), flush=True)


def summarise(runs: list[dict]) -> dict:
    warm = [t for run in runs for t in run["step_seconds"][1:]]
    return {
        "median_step_seconds": statistics.median(warm),
        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
        "rss_after_load_mib": max(run["rss_after_load_mib"] for run in runs),
        "mean_reward": statistics.fmean(r for run in runs for r in run["reward"]),
        "mean_completion_tokens": statistics.fmean(t for run in runs for t in run["completion_tokens"]),
        "reward_per_step": [run["reward"] for run in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/tiny-countdown")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--micro-batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--difficulty", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--side", choices=("ours", "trl"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return child(args)

    runs: dict[str, list[dict]] = {"ours": [], "trl": []}
    for round_ in range(args.repeats):
        for side in ("ours", "trl") if round_ % 2 == 0 else ("trl", "ours"):
            command = [sys.executable, __file__, "--side", side] + [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("side", "repeats")]
            done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
            line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
            if line is None:
                sys.exit(f"{side} failed:\n{done.stderr[-3000:]}")
            runs[side].append(json.loads(line[len("RESULT "):]))
            print(f"round {round_} {side}: median step {statistics.median(runs[side][-1]['step_seconds'][1:]):.2f} s, peak RSS {runs[side][-1]['peak_rss_mib']:.0f} MiB", flush=True)
    summary = {side: summarise(r) for side, r in runs.items()}
    summary["speedup"] = summary["trl"]["median_step_seconds"] / summary["ours"]["median_step_seconds"]
    summary["settings"] = {k: v for k, v in vars(args).items() if k != "side"}
    summary["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2))
    for side in ("ours", "trl"):
        s = summary[side]
        print(f"{side:5s} step {s['median_step_seconds']:.2f} s  peak RSS {s['peak_rss_mib']:.0f} MiB  mean reward {s['mean_reward']:.3f}  completion tokens {s['mean_completion_tokens']:.1f}")
    print(f"speedup (TRL step time / ours): {summary['speedup']:.2f}x  → {RESULTS}")


if __name__ == "__main__":
    main()
