"""The token ledger of one episode: exactly which tokens the policy saw and sampled.

A ledger is a list of :class:`TokenSample` — token ids, a mask (1 = sampled by the policy,
0 = prompt, tool or environment text) and the sampler's log-probs, aligned one-to-one. Most
episodes are one sample; a *prefix break* starts another (see below).

How the ledger grows (token-in, token-out; history is never re-tokenised):

1. **Reset.** The opening messages are rendered through the chat template with the generation
   prompt and tokenised: mask 0.
2. **A sample.** The sampled ids are appended as they are: mask 1, with their log-probs. When
   the sample ends with a stop token (finish ``"stop"``), the assistant's text — the action the
   environment receives — is the decoding of the ids before it; the stop token stays in the
   ledger (the policy chose to stop). When it does not (finish ``"length"``: ``max_new_tokens``
   or the context ran out), the whole decoding is the action, unchanged — the environment grades
   or runs the cut text like any other turn; the turn counts in ``truncated_turns``, and whatever
   the template writes to close the turn (e.g. ``<|im_end|>``) arrives with the next environment
   text, mask 0.
3. **Environment messages.** The whole conversation — with the assistant turns exactly as the
   environment recorded them — is rendered again with the generation prompt. The **prefix
   check**: the text the current sample stands for must be a prefix of that rendering. If it
   is, only the rest (the new messages and the generation prompt) is tokenised and appended,
   mask 0. If it is not — the template rewrote history (e.g. it drops earlier reasoning), trims
   the assistant's text, or closes turns with another token than the sampler stopped on — the
   current sample is closed and a new one starts from the full rendering (mask 0), and
   ``prefix_breaks`` counts it. Nothing is ever silently re-tokenised.

Text and ids correspond through the tokenizer's decode and encode, which is exact for byte-level
BPE tokenizers (GPT-2, Llama 3, Qwen, the project's tiny model); a tokenizer that adds a prefix
space to every encoded piece (SentencePiece with ``add_dummy_prefix``) would shift the text of
each appended delta.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from transformers import PreTrainedTokenizerBase

from rlvr.agents.llm.backends.base import Sample
from rlvr.types import Message, Verdict


@dataclass
class TokenSample:
    """One token sequence for the learner: ``ids`` with a ``mask`` (1 where the policy sampled
    the token) and ``logprobs`` (the sampler's log-prob where the mask is 1, else 0.0)."""

    ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)

    def extend(self, ids: Sequence[int], logprobs: Sequence[float] | None = None) -> None:
        """Append ``ids``: sampled (mask 1) when ``logprobs`` are given, else context (mask 0)."""
        self.ids.extend(ids)
        if logprobs is None:
            self.mask.extend([0] * len(ids))
            self.logprobs.extend([0.0] * len(ids))
        else:
            if len(logprobs) != len(ids):
                raise ValueError(f"{len(ids)} sampled ids but {len(logprobs)} log-probs")
            self.mask.extend([1] * len(ids))
            self.logprobs.extend(float(lp) for lp in logprobs)

    @property
    def policy_tokens(self) -> int:
        """How many tokens the policy sampled in this sequence."""
        return sum(self.mask)


@dataclass
class Trajectory:
    """What a trainer takes from one episode.

    ``samples`` are the ledger's token sequences (one per prefix break, plus one); ``reward`` is
    the environment's (its final verdict's) reward; ``turns`` counts assistant turns;
    ``truncated`` says the environment cut the episode (turn budget); ``truncated_turns`` counts
    samples that ended without a stop token; ``prefix_breaks`` counts new samples started
    because the chat template's rendering no longer extended the ledger.
    """

    samples: list[TokenSample]
    reward: float
    turns: int
    truncated: bool
    truncated_turns: int
    prefix_breaks: int
    verdict: Verdict | None = None

    def metrics(self) -> dict[str, float]:
        """Numbers to log per episode (a trainer averages them over a batch)."""
        return {
            "reward": self.reward,
            "turns": float(self.turns),
            "truncated": float(self.truncated),
            "truncated_turns": float(self.truncated_turns),
            "prefix_breaks": float(self.prefix_breaks),
            "samples": float(len(self.samples)),
            "policy_tokens": float(sum(s.policy_tokens for s in self.samples)),
            "tokens": float(sum(len(s.ids) for s in self.samples)),
        }


class ChatRenderer:
    """Renders conversations with a tokenizer's chat template and turns text into ids and back.

    ``tools`` (OpenAI function schemas) are passed to the template on every rendering; leave
    them ``None`` when the environment already lists its tools in the system prompt.

    Text the environment supplies cannot forge conversation structure: in system, user and tool
    messages the written-out form of a special token (``<|im_end|>``) is broken with a zero-width
    space before rendering, so it encodes as plain text; tool results also get every other added
    token (``</tool_response>``) broken. Only the template and the policy's own samples produce
    those ids.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, tools: list[dict[str, Any]] | None = None):
        if not tokenizer.chat_template:
            raise ValueError("the tokenizer has no chat template; set tokenizer.chat_template (the LLM agent renders every turn with it)")
        self.tokenizer = tokenizer
        self.tools = tools or None
        added_tokens = tokenizer.added_tokens_decoder.values()
        special = {t for t in tokenizer.all_special_tokens if len(t) > 1} | {t.content for t in added_tokens if t.special and len(t.content) > 1}
        added = special | {t.content for t in added_tokens if len(t.content) > 1}
        self._special = sorted(special, key=len, reverse=True)
        self._added = sorted(added, key=len, reverse=True)

    def render(self, messages: Sequence[Message]) -> str:
        """The conversation as text, ending with the generation prompt (the assistant's header)."""
        return self.tokenizer.apply_chat_template(
            [self._neutralized(m) for m in messages], tools=self.tools, add_generation_prompt=True, tokenize=False
        )

    def _neutralized(self, message: Message) -> dict[str, Any]:
        message = dict(message)
        content = message.get("content")
        if message.get("role") == "assistant" or not isinstance(content, str):
            return message
        for token in self._added if message.get("role") == "tool" else self._special:
            if token in content:
                content = content.replace(token, token[0] + "\u200b" + token[1:])
        message["content"] = content
        return message

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; special-token text (``<|im_start|>``) becomes the special token."""
        return self.tokenizer.encode(text, add_special_tokens=False)

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids``, special tokens written out, nothing cleaned up."""
        return self.tokenizer.decode(list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False)


class TokenLedger:
    """The token record of one episode, grown turn by turn (see the module docstring).

    Calls alternate: :meth:`add_sample` (the policy's turn), then :meth:`add_env_messages` (the
    environment's answer), and so on; :meth:`prompt_ids` is what the policy continues next.
    """

    def __init__(self, renderer: ChatRenderer, messages: Sequence[Message], stop_token_ids: Sequence[int]):
        if not messages:
            raise ValueError("an episode starts with at least one message (the environment's reset observation)")
        self.renderer = renderer
        self.stop_token_ids = frozenset(int(t) for t in stop_token_ids)
        self.messages: list[Message] = [Message(**m) for m in messages]
        self.samples: list[TokenSample] = []
        self.turns = 0
        self.truncated_turns = 0
        self.prefix_breaks = 0
        self._text = ""
        self._start_sample(renderer.render(self.messages))
        self._policy_to_move = True

    @property
    def current(self) -> TokenSample:
        """The sample the policy is continuing."""
        return self.samples[-1]

    def prompt_ids(self) -> list[int]:
        """The ids to continue: the current sample so far, ending with the generation prompt."""
        if not self._policy_to_move:
            raise RuntimeError("the ledger is waiting for the environment's messages (add_env_messages) before the next sample")
        return list(self.current.ids)

    def add_sample(self, sample: Sample) -> str:
        """Append the policy's sampled ids; returns the assistant's text (the action)."""
        if not self._policy_to_move:
            raise RuntimeError("two samples in a row: pass the environment's messages to add_env_messages between turns")
        ids = list(sample.token_ids)
        stopped = sample.finish_reason == "stop" and bool(ids) and ids[-1] in self.stop_token_ids
        content = self.renderer.decode(ids[:-1] if stopped else ids)
        self.current.extend(ids, sample.logprobs)
        self._text += content + (self.renderer.decode(ids[-1:]) if stopped else "")
        self.messages.append(Message(role="assistant", content=content))
        self.turns += 1
        self.truncated_turns += sample.finish_reason == "length"
        self._policy_to_move = False
        return content

    def add_env_messages(self, messages: Sequence[Message]) -> None:
        """Append the environment's new messages (tool results) and the generation prompt."""
        if self._policy_to_move:
            raise RuntimeError("environment messages before the policy's turn: add_sample first")
        self.messages.extend(Message(**m) for m in messages)
        rendered = self.renderer.render(self.messages)
        if rendered.startswith(self._text):
            self.current.extend(self.renderer.encode(rendered[len(self._text) :]))
            self._text = rendered
        else:
            self.prefix_breaks += 1
            self._start_sample(rendered)
        self._policy_to_move = True

    def trajectory(self, reward: float, *, truncated: bool = False, verdict: Verdict | None = None) -> Trajectory:
        """The ledger with the episode's outcome, for the trainer."""
        return Trajectory(
            samples=self.samples,
            reward=float(reward),
            turns=self.turns,
            truncated=truncated,
            truncated_turns=self.truncated_turns,
            prefix_breaks=self.prefix_breaks,
            verdict=verdict,
        )

    def _start_sample(self, rendered: str) -> None:
        sample = TokenSample()
        sample.extend(self.renderer.encode(rendered))
        self.samples.append(sample)
        self._text = rendered
