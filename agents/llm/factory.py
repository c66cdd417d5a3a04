"""Agent factories for the model specs ``hf:PATH``, ``vllm:PATH`` and ``openai:MODEL@URL``.

A spec argument is a location followed by ``,key=value`` options, e.g.
``hf:models/tiny,temperature=0.7,max_new_tokens=256,device=cpu``. Building a factory checks the
spec (and that the model folder is there) but loads nothing: the backend loads on the first
episode, once, and every episode's agent shares it — so ``rlvr eval`` loads a model once, and
checking a spec is instant.

Options:

* every kind: ``temperature`` (default 1.0), ``top_p``, ``top_k``, ``max_new_tokens`` (default 512);
* ``hf``: ``device`` (``auto``, ``cpu``, ``cuda``, ``cuda:1``), ``dtype`` (``auto``, ``float32``,
  ``bfloat16``, ``float16``);
* ``vllm``: ``dtype``, ``gpu_memory_utilization``;
* ``openai``: ``tokenizer=PATH`` — token mode (exact ledger) with that tokenizer; without it,
  chat mode (evaluation only); ``timeout`` in seconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

import gymnasium as gym

from rlvr.agents.base import Agent
from rlvr.agents.llm.agent import LLMAgent, template_tools
from rlvr.agents.llm.backends.base import Backend, BackendUnavailableError, SamplingParams
from rlvr.agents.llm.engine import RolloutEngine
from rlvr.agents.llm.model_files import check_model_dir, load_tokenizer, stop_token_ids

SAMPLING_OPTIONS: dict[str, Callable[[str], Any]] = {"temperature": float, "top_p": float, "top_k": int, "max_new_tokens": int}
DEFAULT_MAX_NEW_TOKENS = 512


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec argument: where the model is and the ``key=value`` options."""

    kind: str
    location: str
    options: dict[str, str]

    @classmethod
    def parse(cls, kind: str, argument: str, usage: str, allowed: tuple[str, ...]) -> ModelSpec:
        """Split ``LOCATION,key=value,...``; a missing location, a malformed option or an unknown
        key raises ``ValueError`` showing ``usage`` and the keys ``kind`` takes."""
        location, *pairs = argument.split(",")
        keys = ", ".join([*SAMPLING_OPTIONS, *allowed])
        if not location.strip():
            raise ValueError(f"agent spec '{kind}' needs a model: write '{usage}[,key=value...]' (keys: {keys})")
        options: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ValueError(f"agent spec '{kind}:{argument}': options are key=value, got {pair!r} (keys: {keys})")
            if key.strip() not in SAMPLING_OPTIONS and key.strip() not in allowed:
                raise ValueError(f"agent spec '{kind}:{argument}': unknown option {key.strip()!r} (keys: {keys})")
            options[key.strip()] = value.strip()
        return cls(kind, location.strip(), options)

    def number(self, key: str, default: float) -> float:
        """The option ``key`` as a number, ``default`` when it is not given."""
        if key not in self.options:
            return default
        try:
            return float(self.options[key])
        except ValueError:
            raise ValueError(f"agent spec '{self.kind}': {key} must be a number, got {self.options[key]!r}") from None

    def sampling_params(self) -> SamplingParams:
        """The sampling options as :class:`SamplingParams` (``ValueError`` names a bad value)."""
        values: dict[str, Any] = {"max_new_tokens": DEFAULT_MAX_NEW_TOKENS}
        for key, convert in SAMPLING_OPTIONS.items():
            if key in self.options:
                try:
                    values[key] = convert(self.options[key])
                except ValueError:
                    raise ValueError(f"agent spec '{self.kind}': {key} must be a {convert.__name__}, got {self.options[key]!r}") from None
        try:
            return SamplingParams(**values)
        except ValueError as exc:
            raise ValueError(f"agent spec '{self.kind}': {exc}") from None


class LazyModel:
    """A backend and its tokenizer, loaded by ``load`` on first use (thread-safe), then shared."""

    def __init__(self, load: Callable[[], tuple[Backend, Any, tuple[int, ...]]]):
        self._load = load
        self._loaded: tuple[Backend, Any, tuple[int, ...]] | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[Backend, Any, tuple[int, ...]]:
        """``(backend, tokenizer, stop_token_ids)``."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded


class LLMAgentFactory:
    """Makes an :class:`LLMAgent` per episode around one lazily loaded backend."""

    def __init__(self, name: str, model: LazyModel, params: SamplingParams):
        self.__name__ = name
        self.model = model
        self.params = params

    def __call__(self, env: gym.Env, seed: int | None) -> Agent:
        backend, tokenizer, stops = self.model.get()
        return LLMAgent(backend, tokenizer, self.params, stop_token_ids=stops, template_tools=template_tools(env), seed=seed)

    def rollout_engine(self, make_env: Callable[[], gym.Env], workers: int = 4) -> RolloutEngine:
        """An engine that runs many episodes of ``make_env``'s environment at once, with one
        batched generate call per turn-step (how :func:`~rlvr.agents.evaluate.evaluate` runs
        model agents)."""
        backend, tokenizer, stops = self.model.get()
        probe = make_env()
        tools_in_template = template_tools(probe)
        probe.close()
        return RolloutEngine(
            make_env=make_env,
            make_agent=lambda: LLMAgent(backend, tokenizer, self.params, stop_token_ids=stops, template_tools=tools_in_template),
            backend=backend,
            workers=workers,
        )


def hf_factory(argument: str) -> LLMAgentFactory:
    """``hf:PATH[,key=value...]``: the transformers backend on a local model folder."""
    spec = ModelSpec.parse("hf", argument, "hf:PATH", ("device", "dtype"))
    params = spec.sampling_params()
    folder = check_model_dir(spec.location)

    def load() -> tuple[Backend, Any, tuple[int, ...]]:
        from rlvr.agents.llm.backends.hf import HFBackend

        tokenizer = load_tokenizer(folder)
        backend = HFBackend.from_path(folder, device=spec.options.get("device", "auto"), dtype=spec.options.get("dtype", "auto"))
        return backend, tokenizer, stop_token_ids(tokenizer, folder)

    return LLMAgentFactory(f"hf:{argument}", LazyModel(load), params)


def vllm_factory(argument: str) -> LLMAgentFactory:
    """``vllm:PATH[,key=value...]``: vLLM on a GPU; a ``ValueError`` at once when vLLM or the GPU is missing."""
    from rlvr.agents.llm.backends.vllm import VLLMBackend, require_vllm

    spec = ModelSpec.parse("vllm", argument, "vllm:PATH", ("dtype", "gpu_memory_utilization"))
    params = spec.sampling_params()
    memory = spec.number("gpu_memory_utilization", 0.5)
    try:
        require_vllm()
    except BackendUnavailableError as exc:
        raise ValueError(f"agent spec 'vllm:{argument}': {exc}") from None
    folder = check_model_dir(spec.location)

    def load() -> tuple[Backend, Any, tuple[int, ...]]:
        tokenizer = load_tokenizer(folder)
        backend = VLLMBackend(folder, dtype=spec.options.get("dtype", "auto"), gpu_memory_utilization=memory)
        return backend, tokenizer, stop_token_ids(tokenizer, folder)

    return LLMAgentFactory(f"vllm:{argument}", LazyModel(load), params)


def openai_factory(argument: str) -> Callable[[gym.Env, int | None], Agent]:
    """``openai:MODEL@URL[,key=value...]``: an OpenAI-compatible server; token mode with
    ``tokenizer=PATH``, else chat mode (evaluation only)."""
    from rlvr.agents.llm.backends.openai import OpenAIChatAgent, OpenAIClient, OpenAICompletionsBackend

    spec = ModelSpec.parse("openai", argument, "openai:MODEL@URL", ("tokenizer", "timeout"))
    model, at, url = spec.location.partition("@")
    if not at or not model or not url:
        raise ValueError(f"agent spec 'openai:{argument}': write 'openai:MODEL@URL', e.g. 'openai:my-model@http://localhost:8000/v1'")
    params = spec.sampling_params()
    client = OpenAIClient(url, timeout=spec.number("timeout", 600.0))
    if "tokenizer" not in spec.options:

        def chat_agent(env: gym.Env, seed: int | None) -> Agent:
            return OpenAIChatAgent(client, model, params, send_tools=template_tools(env), seed=seed)

        chat_agent.__name__ = f"openai:{argument}"
        return chat_agent
    tokenizer_path = spec.options["tokenizer"]

    def load() -> tuple[Backend, Any, tuple[int, ...]]:
        tokenizer = load_tokenizer(tokenizer_path)
        return OpenAICompletionsBackend(client, model), tokenizer, stop_token_ids(tokenizer, tokenizer_path)

    return LLMAgentFactory(f"openai:{argument}", LazyModel(load), params)


MODEL_KINDS: dict[str, Callable[[str], Callable[[gym.Env, int | None], Agent]]] = {"hf": hf_factory, "vllm": vllm_factory, "openai": openai_factory}
"""The build function of each model kind of agent spec."""
