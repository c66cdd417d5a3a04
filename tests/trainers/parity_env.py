"""A test environment that Ray's worker processes can import by name: ``parity_env:rlvr/TestParity-v0``.

Reward 1 when the reply has an even number of characters — about half of any model's samples,
so every group has mixed rewards and every GRPO step changes the weights.
"""

import rlvr
from rlvr import Task, TextEnv, Verdict, generator


@generator
def prompts(rng, difficulty):
    return Task(prompt=f"Say anything about {int(rng.integers(1, 100))}.", answer="")


class Parity(TextEnv):
    """Reward 1 for a reply of even length."""

    tasks = prompts

    def verify(self, task, response):
        even = len(response) % 2 == 0
        return Verdict(float(even), even, "even length" if even else "odd length")


rlvr.register("rlvr/TestParity-v0", Parity, domain="test")
