"""Where GRPO's rollouts run: in the learner's process, or on Ray actors.

A step's episodes are cut into ``shards`` contiguous slices, and shard ``k`` is sampled with its
own seed ``derive_seed(seed, k)``. The result therefore depends on the number of shards, never on
where a shard runs: :class:`LocalRollouts` runs the shards one after another in the learner's
process with one sampler backend — the learner's own module through the ``hf`` backend, or a
vLLM engine on the GPU — and :class:`RayRollouts` runs each on a Ray actor that holds a copy of
the policy, its sampler and its environments; with the hf sampler both give the same rollouts
for the same seed.

Samplers that hold their own copy of the weights (Ray actors, vLLM) get the learner's weights
before a call whenever the learner has changed them (``sync``); the learner stays in the driver
process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import torch

from rlvr import registry
from rlvr.agents.llm.agent import LLMAgent, template_tools
from rlvr.agents.llm.backends.base import Backend, SamplingParams, WeightSyncBackend
from rlvr.agents.llm.backends.hf import HFBackend
from rlvr.agents.llm.engine import EpisodeRequest, Rollout, RolloutEngine, derive_seed

if TYPE_CHECKING:
    from rlvr.trainers.grpo import GRPOConfig


@dataclass(frozen=True)
class PolicySpec:
    """What a rollout process needs to sample like the learner: the environment, sampling
    settings and the ids that end a turn. Plain data, so it can travel to a Ray actor."""

    env: str
    env_kwargs: dict[str, Any]
    params: SamplingParams
    stop_token_ids: tuple[int, ...]
    pad_token_id: int
    seed: int
    env_workers: int


def hf_sampler(spec: PolicySpec, model: Any) -> HFBackend:
    """The hf backend over ``model`` with the run's stop and pad ids and seed."""
    return HFBackend(model, eos_token_ids=spec.stop_token_ids, pad_token_id=spec.pad_token_id, seed=spec.seed)


def build_engine(spec: PolicySpec, backend: Backend, tokenizer: Any) -> RolloutEngine:
    """A rollout engine whose agents sample from ``backend``, generation batched across episodes."""
    probe = registry.make(spec.env, **spec.env_kwargs)
    tools_in_template = template_tools(probe)
    probe.close()
    return RolloutEngine(
        make_env=lambda: registry.make(spec.env, **spec.env_kwargs),
        make_agent=lambda: LLMAgent(backend, tokenizer, spec.params, stop_token_ids=spec.stop_token_ids, template_tools=tools_in_template),
        backend=backend,
        workers=spec.env_workers,
    )


def split_into_shards(requests: Sequence[EpisodeRequest], shards: int) -> list[list[EpisodeRequest]]:
    """``requests`` cut into ``shards`` contiguous slices whose sizes differ by at most one
    (empty slices are dropped)."""
    size, extra = divmod(len(requests), shards)
    slices, start = [], 0
    for k in range(shards):
        end = start + size + (k < extra)
        slices.append(list(requests[start:end]))
        start = end
    return [s for s in slices if s]


class LocalRollouts:
    """Runs every shard in this process with one sampler: ``backend`` (e.g. :func:`hf_sampler` over
    the learner's own module, or a :class:`~rlvr.agents.llm.backends.vllm.VLLMBackend`)."""

    def __init__(self, spec: PolicySpec, backend: WeightSyncBackend, tokenizer: Any, shards: int = 1):
        self.backend = backend
        self.engine = build_engine(spec, backend, tokenizer)
        self.shards = shards
        self._synced_version: int | None = None

    def run(self, requests: Sequence[EpisodeRequest], params: SamplingParams, seed: int) -> list[Rollout]:
        """Every request to its end, in request order."""
        rollouts: list[Rollout] = []
        for k, shard in enumerate(split_into_shards(requests, self.shards)):
            rollouts.extend(self.engine.run(shard, params, seed=derive_seed(seed, k)))
        return rollouts

    def sync(self, model: Any, version: int) -> None:
        """Copy ``model``'s weights into the sampler unless it already holds ``version`` (a sampler
        over the learner's own module copies nothing)."""
        if version == self._synced_version:
            return
        self.backend.update_from(model)
        self._synced_version = version

    def close(self) -> None:
        self.engine.close()


class RolloutWorker:
    """A Ray actor's state: its own copy of the policy, the sampler and environments.

    ``model_dir`` gives the architecture and tokenizer; the weights come from the learner through
    :meth:`load_weights` before the first rollouts.
    """

    def __init__(self, spec: PolicySpec, model_dir: str, device: str, threads: int | None):
        from transformers import AutoModelForCausalLM

        from rlvr.agents.llm.backends.hf import resolve_device
        from rlvr.agents.llm.model_files import load_tokenizer

        if threads:
            torch.set_num_threads(threads)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).to(resolve_device(device)).eval()
        self.engine = build_engine(spec, hf_sampler(spec, self.model), load_tokenizer(model_dir))

    def load_weights(self, state: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(state)

    def run(self, requests: list[EpisodeRequest], params: SamplingParams, seed: int) -> list[Rollout]:
        return self.engine.run(requests, params, seed=seed)

    def close(self) -> None:
        self.engine.close()


class RayRollouts:
    """Runs each shard on its own Ray actor (one actor per shard), in parallel.

    Starts a local Ray instance with one CPU per actor unless Ray is already initialised or
    ``RAY_ADDRESS`` points at a cluster.
    """

    def __init__(self, spec: PolicySpec, model_dir: str | Path, shards: int, *, device: str = "auto", threads: int | None = 1):
        try:
            import ray
        except ImportError:
            raise ImportError("rollouts on Ray need the 'ray' package; install it with: pip install 'rlvr[dist]'") from None
        self.ray = ray
        if not ray.is_initialized():
            if os.environ.get("RAY_ADDRESS"):
                ray.init(include_dashboard=False, log_to_driver=False)
            else:
                ray.init(num_cpus=max(shards, os.cpu_count() or 1), include_dashboard=False, log_to_driver=False)
        actor = ray.remote(num_cpus=1)(RolloutWorker)
        self.workers = [actor.remote(spec, str(model_dir), device, threads) for _ in range(shards)]
        self.shards = shards
        self._synced_version: int | None = None

    def sync(self, model: Any, version: int) -> None:
        """Send ``model``'s weights to every actor unless they already hold ``version``."""
        if version == self._synced_version:
            return
        state = self.ray.put({name: tensor.detach().cpu() for name, tensor in model.state_dict().items()})
        self.ray.get([worker.load_weights.remote(state) for worker in self.workers])
        self._synced_version = version

    def run(self, requests: Sequence[EpisodeRequest], params: SamplingParams, seed: int) -> list[Rollout]:
        """Every request to its end, in request order; shard ``k`` runs on actor ``k``."""
        shards = split_into_shards(requests, self.shards)
        pending = [worker.run.remote(shard, params, derive_seed(seed, k)) for k, (worker, shard) in enumerate(zip(self.workers, shards))]
        return [rollout for part in self.ray.get(pending) for rollout in part]

    def close(self) -> None:
        self.ray.get([worker.close.remote() for worker in self.workers])
        for worker in self.workers:
            self.ray.kill(worker)
        self.workers = []


def policy_spec(config: GRPOConfig, params: SamplingParams, stop_token_ids: Sequence[int], pad_token_id: int) -> PolicySpec:
    """The :class:`PolicySpec` of a GRPO run."""
    return PolicySpec(
        env=config.env,
        env_kwargs=dict(config.env_kwargs),
        params=params,
        stop_token_ids=tuple(stop_token_ids),
        pad_token_id=pad_token_id,
        seed=config.seed,
        env_workers=config.env_workers,
    )
