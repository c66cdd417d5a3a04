"""Language-conditioned MetaWorld manipulation with camera images and a success reward.

``rlvr/VLA-<Task>-v0`` runs one task; ``rlvr/VLA-MultiTask-v0`` draws a task per episode.

Observation (a Dict):
    image        uint8 [height, width, 3] from ``camera`` (default 64x64 from the "corner" camera; absent when camera=None)
    proprio      float32 [4]: end-effector x, y, z and gripper opening
    instruction  the task in words (Text): a training sentence by default, held-out paraphrases with
                 ``instructions="heldout"``

Action: float32 [4] in [-1, 1]: end-effector deltas (x, y, z) and the gripper (-1 open, +1 close),
or [action_chunk, 4] with ``action_chunk > 1`` (the sub-actions run in order, one image at the
end). Out-of-bound values are clipped. Non-finite values (NaN, inf) are not sent to the simulator:
those components become 0 (no motion, gripper unchanged) and ``info["invalid_action"]`` is True.

Reward: 1 on the step where MetaWorld's success predicate (``info["success"]`` of the simulator
state) first holds, and the episode terminates there; 0 otherwise. ``reward_type="shaped"`` adds
MetaWorld's dense reward divided by 10 (in [0, 1]) on every step — an explicit opt-in. Episodes
are truncated after ``max_steps`` simulator steps.

Initial states: ``reset(options={"layout": k})`` places the objects and goal of layout ``k``, the
same every time on every machine; without it a training layout 0..499 is drawn from the seed.
:data:`EVAL_LAYOUTS` (1000..1099) are held out for evaluation; :data:`VALIDATION_LAYOUTS` (500..599)
are for choosing among a training run's checkpoints, so the held-out layouts never steer training.
"""

from __future__ import annotations

import zlib
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rlvr.envs.robotics.tasks import (
    INSTRUCTION_CHARSET,
    INSTRUCTION_MAX_LENGTH,
    TASKS,
    InstructionSplit,
    VLATask,
    task_by_name,
)

TRAIN_LAYOUTS = range(0, 500)
VALIDATION_LAYOUTS = range(500, 600)
EVAL_LAYOUTS = range(1000, 1100)
PROPRIO_SIZE = 4
ACTION_SIZE = 4
# MetaWorld clips its state to these: the hand's reachable box and the gripper opening in [-1, 1].
PROPRIO_LOW = np.array([-0.525, 0.348, -0.0525, -1.0], dtype=np.float32)
PROPRIO_HIGH = np.array([0.525, 1.025, 0.7, 1.0], dtype=np.float32)
MAX_STEPS_LIMIT = 500  # MetaWorld's own episode length, past which its envs refuse to step


def layout_seed(task: VLATask, layout: int) -> int:
    """The seed that places task ``task``'s objects for layout number ``layout`` (stable across runs)."""
    return int(np.random.SeedSequence([zlib.crc32(task.metaworld.encode()), layout]).generate_state(1)[0])


class _Simulation:
    """One MetaWorld environment (goal in its state vector, for the scripted experts) and its camera."""

    def __init__(self, task: VLATask):
        from metaworld.env_dict import ALL_V3_ENVIRONMENTS

        self.task = task
        self.env = ALL_V3_ENVIRONMENTS[task.metaworld]()
        self.env._partially_observable = False  # the state vector carries the goal (experts read it)
        self.env.__dict__.pop("sawyer_observation_space", None)  # cached bounds that zero the goal otherwise
        self.env._freeze_rand_vec = False
        self.env.seeded_rand_vec = True
        self.env._set_task_called = True
        self.camera: Any = None  # (handle, OffscreenCamera) shared with the process's other envs of this task
        self.state: np.ndarray | None = None

    def reset(self, layout: int) -> np.ndarray:
        self.env.seed(layout_seed(self.task, layout))
        self.state, _ = self.env.reset()
        return self.state

    def close(self) -> None:
        if self.camera is not None:
            from rlvr.envs.robotics.camera import SHARED_CAMERAS

            SHARED_CAMERAS.release(self.camera[0])
            self.camera = None
        self.env.close()


class MetaWorldVLAEnv(gym.Env):
    """Language-conditioned MetaWorld manipulation from camera images, rewarded only for success.

    ``task`` names one task of :data:`rlvr.envs.robotics.TASKS`; ``tasks`` (a sequence of names,
    or all when ``task`` and ``tasks`` are None) makes a multi-task env that draws one per episode.
    See the module docstring for observations, actions, reward and initial states.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 80}

    def __init__(
        self,
        task: str | None = None,
        tasks: Sequence[str] | None = None,
        *,
        width: int = 64,
        height: int = 64,
        camera: str | None = "corner",
        instructions: InstructionSplit = "train",
        action_chunk: int = 1,
        max_steps: int = 150,
        reward_type: str = "success",
        render_mode: str | None = None,
    ):
        names = [task] if task is not None else list(tasks or TASKS)
        if not names:
            raise ValueError("tasks must name at least one task")
        self.tasks = [task_by_name(name) for name in names]
        if width < 8 or height < 8:
            raise ValueError(f"images must be at least 8x8 pixels, got {width}x{height}")
        if action_chunk < 1 or not 1 <= max_steps <= MAX_STEPS_LIMIT:
            raise ValueError(f"need action_chunk >= 1 and 1 <= max_steps <= {MAX_STEPS_LIMIT}, got {action_chunk} and {max_steps}")
        if reward_type not in ("success", "shaped"):
            raise ValueError(f"reward_type must be 'success' or 'shaped', got {reward_type!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        for t in self.tasks:
            t.instructions(instructions)  # validates the split name
        self.width, self.height, self.camera_name = width, height, camera
        self.instruction_split = instructions
        self.action_chunk, self.max_steps, self.reward_type = action_chunk, max_steps, reward_type
        self.render_mode = render_mode

        observation: dict[str, spaces.Space] = {}
        if camera is not None:
            observation["image"] = spaces.Box(0, 255, (height, width, 3), dtype=np.uint8)
        observation["proprio"] = spaces.Box(PROPRIO_LOW, PROPRIO_HIGH, dtype=np.float32)
        observation["instruction"] = spaces.Text(INSTRUCTION_MAX_LENGTH, min_length=1, charset=INSTRUCTION_CHARSET)
        self.observation_space = spaces.Dict(observation)
        shape = (ACTION_SIZE,) if action_chunk == 1 else (action_chunk, ACTION_SIZE)
        self.action_space = spaces.Box(-1.0, 1.0, shape, dtype=np.float32)

        self._simulations: dict[str, _Simulation] = {}
        self._sim: _Simulation | None = None
        self._instruction = ""
        self._layout = 0
        self._steps = 0
        self._image: np.ndarray | None = None

    # -- Gymnasium API -------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Start an episode. ``options``: ``task`` (a name, for multi-task envs), ``layout`` (an
        initial-state number; default a training layout drawn from the seed) and ``instruction``
        (a sentence to use instead of a drawn one)."""
        super().reset(seed=seed)
        options = dict(options or {})
        task = self._choose_task(options.get("task"))
        layout = options.get("layout")
        if layout is None:
            layout = int(self.np_random.integers(len(TRAIN_LAYOUTS)))
        elif not isinstance(layout, (int, np.integer)) or layout < 0:
            raise ValueError(f"layout must be a non-negative integer, got {layout!r}")
        sentences = task.instructions(self.instruction_split)
        instruction = options.get("instruction") or sentences[int(self.np_random.integers(len(sentences)))]
        if not self.observation_space["instruction"].contains(instruction):
            raise ValueError(f"instruction must be 1-{INSTRUCTION_MAX_LENGTH} characters from {INSTRUCTION_CHARSET!r}, got {instruction!r}")
        self._sim = self._simulation(task)
        self._sim.reset(int(layout))
        self._layout, self._instruction, self._steps = int(layout), instruction, 0
        self._image = None
        return self._observation(), self._info(success=False, invalid=False)

    def step(self, action: Any) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self._sim is None:
            raise RuntimeError("call reset() before step()")
        actions, invalid = self._sanitize(action)
        reward, success = 0.0, False
        for sub_action in actions:
            state, dense, _, _, info = self._sim.env.step(sub_action)
            self._sim.state = state
            self._steps += 1
            success = bool(info["success"])
            if self.reward_type == "shaped":
                reward += float(dense) / 10.0
            if success or self._steps >= self.max_steps:
                break
        if success:
            reward += 1.0
        truncated = not success and self._steps >= self.max_steps
        self._image = None
        return self._observation(), reward, success, truncated, self._info(success=success, invalid=invalid)

    def render(self) -> np.ndarray | None:
        """The camera image of the current state (``render_mode="rgb_array"``)."""
        if self.render_mode != "rgb_array" or self._sim is None:
            return None
        return self._camera_image() if self.camera_name is not None else None

    def close(self) -> None:
        for simulation in self._simulations.values():
            simulation.close()
        self._simulations.clear()
        self._sim = None

    # -- what experts and trainers read --------------------------------------------------------

    @property
    def task(self) -> VLATask:
        """The task of the current episode."""
        if self._sim is None:
            raise RuntimeError("call reset() first")
        return self._sim.task

    @property
    def layout(self) -> int:
        """The initial-state number of the current episode."""
        return self._layout

    def privileged_state(self) -> np.ndarray:
        """MetaWorld's full state vector (hand, objects, goal): for scripted experts, never in observations."""
        if self._sim is None or self._sim.state is None:
            raise RuntimeError("call reset() first")
        return self._sim.state.copy()

    # -- internals -----------------------------------------------------------------------------

    def _choose_task(self, name: str | None) -> VLATask:
        if name is None:
            return self.tasks[int(self.np_random.integers(len(self.tasks)))] if len(self.tasks) > 1 else self.tasks[0]
        for task in self.tasks:
            if name in (task.name, task.metaworld):
                return task
        raise ValueError(f"task {name!r} is not one of this env's tasks: {', '.join(t.name for t in self.tasks)}")

    def _simulation(self, task: VLATask) -> _Simulation:
        if task.name not in self._simulations:
            self._simulations[task.name] = _Simulation(task)
        return self._simulations[task.name]

    def _sanitize(self, action: Any) -> tuple[np.ndarray, bool]:
        """The action as [chunk, 4] float64 in [-1, 1]; non-finite components become 0."""
        array = np.asarray(action, dtype=np.float64)
        if array.size != self.action_chunk * ACTION_SIZE:
            raise ValueError(
                f"an action has {self.action_chunk * ACTION_SIZE} numbers (shape {self.action_space.shape}), got shape {array.shape}"
            )
        array = array.reshape(self.action_chunk, ACTION_SIZE)
        finite = np.isfinite(array)
        invalid = not bool(finite.all())
        return np.clip(np.where(finite, array, 0.0), -1.0, 1.0), invalid

    def _camera_image(self) -> np.ndarray:
        if self._image is None:
            from rlvr.envs.robotics.camera import SHARED_CAMERAS

            assert self._sim is not None and self.camera_name is not None
            if self._sim.camera is None:
                self._sim.camera = SHARED_CAMERAS.acquire(self._sim.task.metaworld, self._sim.env.model, self.camera_name, self.width, self.height)
            self._image = self._sim.camera[1].render(self._sim.env.data, self._sim.env.model)
        return self._image

    def _observation(self) -> dict[str, Any]:
        assert self._sim is not None and self._sim.state is not None
        observation: dict[str, Any] = {}
        if self.camera_name is not None:
            observation["image"] = self._camera_image()
        observation["proprio"] = np.clip(self._sim.state[:PROPRIO_SIZE], PROPRIO_LOW, PROPRIO_HIGH).astype(np.float32)
        observation["instruction"] = self._instruction
        return observation

    def _info(self, *, success: bool, invalid: bool) -> dict[str, Any]:
        assert self._sim is not None
        return {
            "task": self._sim.task.name,
            "layout": self._layout,
            "success": success,
            "is_success": success,
            "invalid_action": invalid,
            "steps": self._steps,
        }
