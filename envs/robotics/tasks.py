"""The manipulation tasks: which MetaWorld environment each one runs, and what it is called in words.

Every task has one canonical instruction, training paraphrases and held-out paraphrases (used only
for evaluation, to test whether a policy follows the meaning rather than the exact words). The
``level`` follows the easy/medium/hard split that LeRobot's MetaWorld wrapper uses.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Literal

InstructionSplit = Literal["canonical", "train", "heldout"]

# Instructions use only these characters; the observation's Text space is built from them.
INSTRUCTION_CHARSET = string.ascii_letters + string.digits + " ,.'-"
INSTRUCTION_MAX_LENGTH = 96


@dataclass(frozen=True)
class VLATask:
    """One language-conditioned manipulation task on top of a MetaWorld v3 environment.

    ``name`` is the id part (``rlvr/VLA-<name>-v0``), ``metaworld`` the MetaWorld environment name
    (also the key of its scripted policy), ``instruction`` the canonical sentence,
    ``paraphrases`` the training paraphrases and ``heldout`` the evaluation-only paraphrases.
    """

    name: str
    metaworld: str
    instruction: str
    paraphrases: tuple[str, ...]
    heldout: tuple[str, ...]
    level: Literal["easy", "medium", "hard"]

    def instructions(self, split: InstructionSplit) -> tuple[str, ...]:
        """The sentences of one split: the canonical one, it plus the training paraphrases, or the held-out ones."""
        if split == "canonical":
            return (self.instruction,)
        if split == "train":
            return (self.instruction, *self.paraphrases)
        if split == "heldout":
            return self.heldout
        raise ValueError(f"instruction split must be 'canonical', 'train' or 'heldout', got {split!r}")


TASKS: dict[str, VLATask] = {
    task.name: task
    for task in (
        VLATask(
            "Reach", "reach-v3", "Move the gripper to the red target.",
            ("Reach for the red target.", "Bring the hand to the red dot.", "Touch the red goal point with the gripper."),
            ("Go to the red marker.", "Put the gripper on the red spot."),
            "easy",
        ),
        VLATask(
            "Push", "push-v3", "Push the puck to the goal.",
            ("Slide the puck onto the goal.", "Shove the puck over to the target.", "Move the puck to the goal by pushing it."),
            ("Nudge the puck until it reaches the goal.", "Push the disc to the target."),
            "medium",
        ),
        VLATask(
            "PickPlace", "pick-place-v3", "Pick up the puck and place it at the goal.",
            ("Grasp the puck and put it on the goal.", "Lift the puck and set it down at the target.", "Pick the puck up and move it to the goal."),
            ("Grab the disc and drop it at the target.", "Carry the puck to the goal."),
            "hard",
        ),
        VLATask(
            "DrawerOpen", "drawer-open-v3", "Open the drawer.",
            ("Pull the drawer open.", "Slide the drawer out.", "Pull out the drawer by its handle."),
            ("Draw the drawer out toward you.", "Get the drawer open."),
            "medium",
        ),
        VLATask(
            "DrawerClose", "drawer-close-v3", "Close the drawer.",
            ("Push the drawer shut.", "Slide the drawer closed.", "Push the drawer back in."),
            ("Shut the drawer.", "Press the drawer until it is closed."),
            "easy",
        ),
        VLATask(
            "ButtonPress", "button-press-topdown-v3", "Press the button from the top.",
            ("Push the button down.", "Press down on the button.", "Push the button from above."),
            ("Hit the button from above.", "Press the button downward."),
            "easy",
        ),
        VLATask(
            "ButtonPressFront", "button-press-v3", "Press the button from the front.",
            ("Push the button in from the front.", "Press the front button.", "Push the button on the box forward."),
            ("Poke the button from the front.", "Press the button that faces you."),
            "easy",
        ),
        VLATask(
            "WindowOpen", "window-open-v3", "Open the window.",
            ("Slide the window open.", "Push the window open sideways.", "Move the window to open it."),
            ("Get the window open.", "Slide the window pane open."),
            "easy",
        ),
        VLATask(
            "WindowClose", "window-close-v3", "Close the window.",
            ("Slide the window shut.", "Push the window closed sideways.", "Move the window to close it."),
            ("Shut the window.", "Slide the window pane closed."),
            "easy",
        ),
        VLATask(
            "DoorOpen", "door-open-v3", "Open the door.",
            ("Pull the door open.", "Swing the door open by its handle.", "Open the door with the handle."),
            ("Get the door open.", "Pull on the handle to open the door."),
            "medium",
        ),
        VLATask(
            "FaucetOpen", "faucet-open-v3", "Turn the faucet on.",
            ("Rotate the faucet handle to open it.", "Open the faucet.", "Turn the tap on."),
            ("Start the water by turning the faucet.", "Twist the faucet open."),
            "easy",
        ),
        VLATask(
            "HandlePress", "handle-press-v3", "Press the handle down.",
            ("Push the handle down.", "Press down on the handle.", "Push the lever handle downward."),
            ("Lower the handle.", "Force the handle down."),
            "easy",
        ),
        VLATask(
            "PlateSlide", "plate-slide-v3", "Slide the plate into the goal.",
            ("Push the plate into the net.", "Slide the plate forward into the goal.", "Move the plate into the goal."),
            ("Shove the plate into the net.", "Get the plate into the goal by sliding it."),
            "medium",
        ),
        VLATask(
            "CoffeeButton", "coffee-button-v3", "Press the button on the coffee machine.",
            ("Push the coffee machine button.", "Press the coffee maker's button.", "Push the button on the coffee maker."),
            ("Start the coffee machine with its button.", "Hit the button of the coffee machine."),
            "easy",
        ),
    )
}

MULTI_TASK_NAME = "MultiTask"


def task_by_name(name: str) -> VLATask:
    """The task called ``name`` (e.g. ``"DrawerOpen"``); a KeyError lists the names otherwise."""
    if name not in TASKS:
        raise KeyError(f"unknown VLA task {name!r}; choose one of {', '.join(TASKS)}")
    return TASKS[name]


def vocabulary() -> list[str]:
    """Every lower-case word of the training instructions, sorted: what a bag-of-words encoder
    needs. Words only the held-out paraphrases use are left out, so that an evaluation with them
    meets unknown words, as a policy would in the field."""
    words: set[str] = set()
    for task in TASKS.values():
        for sentence in (task.instruction, *task.paraphrases):
            words.update(tokenize(sentence))
    return sorted(words)


def tokenize(sentence: str) -> list[str]:
    """Lower-case words without punctuation (``"Open the drawer."`` → ``["open", "the", "drawer"]``)."""
    cleaned = "".join(c if c.isalnum() or c == "'" else " " for c in sentence.lower())
    return cleaned.split()


def task_of_instruction(sentence: str) -> VLATask | None:
    """The task whose instructions (any split) include ``sentence``, or None."""
    for task in TASKS.values():
        if sentence in (task.instruction, *task.paraphrases, *task.heldout):
            return task
    return None
