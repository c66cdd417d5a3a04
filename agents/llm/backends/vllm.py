"""The ``vllm`` backend: vLLM's offline engine on a GPU, with weights synced from the learner.

Needs the ``vllm`` extra and a CUDA GPU (``pip install 'rlvr[vllm]'``); ``vllm`` is imported only
when a backend is made, and without it (or without a GPU) :class:`BackendUnavailableError`
says so. Prompts go in as token ids (``TokensPrompt``), one ``SamplingParams`` per row (each
row seeded on its own), with ``logprobs=0`` (the sampled token's log-prob only).

Log-probs: the engine is started with ``logprobs_mode="processed_logprobs"``, so vLLM reports
the log-prob after its logits processing: ``log_softmax(logits / temperature)`` when top-p and
top-k are off — what the learner recomputes. With top-p or top-k on, vLLM reports the truncated
distribution's log-prob, where the ``hf`` backend reports the full-vocabulary one (RL runs keep
both off).

Weight sync: the workers get :class:`WorkerWeightLoader` as their ``worker_extension_cls``;
:meth:`VLLMBackend.load_weights` sends the tensors to every worker through
``LLM.collective_rpc`` (they are copied to the CPU and serialised — fine for small and medium
models; very large ones want an NCCL data plane) and resets the prefix cache, whose blocks were
computed with the old weights.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Mapping, Sequence

from rlvr.agents.llm.backends.base import BackendUnavailableError, Sample, SamplingParams, row_seed
from rlvr.agents.llm.model_files import check_model_dir

HOW_TO_GET_IT = "install it with `pip install 'rlvr[vllm]'` on a machine with an NVIDIA GPU"
USE_HF_INSTEAD = "or use the hf backend (hf:PATH), which runs on CPU and GPU"


def require_vllm(instead: str = USE_HF_INSTEAD) -> None:
    """Raise :class:`BackendUnavailableError` unless ``vllm`` is installed and a CUDA GPU is visible;
    the message ends with ``instead`` (what to use without vLLM)."""
    if importlib.util.find_spec("vllm") is None:
        raise BackendUnavailableError(f"the vllm backend needs the vllm package, which is not installed; {HOW_TO_GET_IT}, {instead}")
    import torch

    if not torch.cuda.is_available():
        raise BackendUnavailableError(f"the vllm backend needs a CUDA GPU and torch sees none here; {HOW_TO_GET_IT}, {instead}")


class WorkerWeightLoader:
    """Mixed into vLLM's GPU workers (``worker_extension_cls``): loads weights the learner sends."""

    def rlvr_load_weights(self, weights: list[tuple[str, Any]]) -> None:
        """Load ``(name, tensor)`` pairs (Hugging Face names) into this worker's model."""
        self.model_runner.model.load_weights(weights=weights)  # type: ignore[attr-defined]


class VLLMBackend:
    """Generates with a vLLM ``LLM`` engine over the model in a local folder.

    Args:
        path: the model folder.
        dtype: vLLM's ``dtype`` (``auto`` takes the checkpoint's).
        gpu_memory_utilization: the share of GPU memory vLLM may take (leave room for a learner
            on the same GPU).
        seed: the engine's seed (unseeded calls draw from it).
        engine_kwargs: passed on to ``vllm.LLM`` (e.g. ``max_model_len``, ``enforce_eager``).
    """

    def __init__(self, path: str | Path, *, dtype: str = "auto", gpu_memory_utilization: float = 0.5, seed: int = 0, **engine_kwargs: Any):
        require_vllm()
        from vllm import LLM

        folder = check_model_dir(path)
        self.llm = LLM(
            model=str(folder),
            dtype=dtype,
            seed=seed,
            gpu_memory_utilization=gpu_memory_utilization,
            logprobs_mode="processed_logprobs",
            worker_extension_cls=f"{__name__}.WorkerWeightLoader",
            **engine_kwargs,
        )

    def generate(self, prompts: Sequence[Sequence[int]], params: SamplingParams) -> list[Sample]:
        if not prompts:
            return []
        import vllm
        from vllm.inputs import TokensPrompt

        requests = [TokensPrompt(prompt_token_ids=list(prompt)) for prompt in prompts]
        settings = [
            vllm.SamplingParams(
                n=1,
                max_tokens=params.max_new_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                top_k=params.top_k if params.top_k > 0 else -1,
                seed=row_seed(params.seed, row),
                stop_token_ids=list(params.stop_token_ids) if params.stop_token_ids is not None else None,
                logprobs=0,
                detokenize=False,
                skip_special_tokens=False,
            )
            for row in range(len(requests))
        ]
        outputs = self.llm.generate(requests, settings, use_tqdm=False)
        return [self._sample(output.outputs[0]) for output in outputs]

    @staticmethod
    def _sample(completion: Any) -> Sample:
        ids = [int(t) for t in completion.token_ids]
        logprobs = [float(position[token].logprob) for token, position in zip(ids, completion.logprobs)]
        if completion.finish_reason not in ("stop", "length"):
            raise RuntimeError(f"vLLM ended a completion with finish_reason={completion.finish_reason!r}; expected 'stop' or 'length'")
        return Sample(ids, logprobs, completion.finish_reason)

    def load_weights(self, state_dict: Mapping[str, Any]) -> None:
        """Send ``state_dict`` (Hugging Face parameter names) to every worker, then drop cached prefixes."""
        weights = [(name, tensor.detach().to("cpu")) for name, tensor in state_dict.items()]
        self.llm.collective_rpc("rlvr_load_weights", args=(weights,))
        self.llm.reset_prefix_cache()

    def update_from(self, model: Any) -> None:
        """Copy every parameter of the learner's ``model`` into the engine."""
        self.load_weights(model.state_dict())
