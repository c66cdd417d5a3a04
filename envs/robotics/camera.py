"""Offscreen MuJoCo camera images on a CPU, fast: no shadows, no reflections, no multisampling.

MuJoCo's defaults (shadows, reflections, 4x MSAA) render ~5 frames/s at 128 px on a CPU through
Mesa; with them off, 100-150 frames/s. The GL backend is EGL or OSMesa (Debian's
``libegl-mesa0`` / ``libosmesa6``): ``$MUJOCO_GL`` when the user set it to one of them, else EGL,
else OSMesa. The backend's context class is imported directly, so this works whatever
``MUJOCO_GL`` was when ``mujoco`` was first imported.
"""

from __future__ import annotations

import atexit
import importlib
import os
import weakref
from typing import Any

import mujoco
import numpy as np

_BACKENDS = ("egl", "osmesa")
# MuJoCo's "corner" cameras look at the table from below the horizon: their images are upside down.
UPSIDE_DOWN_CAMERAS = ("corner", "corner2", "corner3", "corner4")
_OPEN: weakref.WeakSet[OffscreenCamera] = weakref.WeakSet()


def _close_open_cameras() -> None:
    """Free the contexts of envs never closed, while the GL backend still runs."""
    for camera in list(_OPEN):
        camera.close()


def _gl_context_class() -> Any:
    """The GLContext class of the first backend that imports, preferring ``$MUJOCO_GL``."""
    chosen = os.environ.get("MUJOCO_GL", "").lower()
    order = (chosen,) + tuple(b for b in _BACKENDS if b != chosen) if chosen in _BACKENDS else _BACKENDS
    errors = []
    for backend in order:
        try:
            context_class = importlib.import_module(f"mujoco.{backend}").GLContext
        except (ImportError, AttributeError, RuntimeError, OSError) as exc:
            errors.append(f"{backend}: {exc}")
            continue
        return context_class
    raise RuntimeError(
        "no offscreen OpenGL for camera images (" + "; ".join(errors) + "); install Mesa's EGL or OSMesa "
        "(apt-get install libegl-mesa0 libosmesa6, as scripts/setup.sh does) or pass camera=None for no images"
    )


class OffscreenCamera:
    """Renders one named camera of a MuJoCo model to uint8 RGB images of a fixed size.

    ``flip`` turns the image by 180 degrees (for the upside-down corner cameras). Call
    :meth:`close` when done; it frees the GL context.
    """

    def __init__(self, model: mujoco.MjModel, camera: str, width: int, height: int, flip: bool | None = None):
        if mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
            names = [model.camera(i).name for i in range(model.ncam)]
            raise ValueError(f"unknown camera {camera!r}; this model has {', '.join(names)}")
        self.width, self.height = width, height
        self.flip = camera in UPSIDE_DOWN_CAMERAS if flip is None else flip
        # Both must be set before the render context exists: no multisampling, a buffer just large enough.
        model.vis.quality.offsamples = 0
        model.vis.global_.offwidth = max(model.vis.global_.offwidth, width)
        model.vis.global_.offheight = max(model.vis.global_.offheight, height)
        self._gl = _gl_context_class()(width, height)
        # Exit hooks run newest first: registered after the backend's (made with its first context),
        # this one frees contexts of unclosed envs before the backend shuts down.
        atexit.unregister(_close_open_cameras)
        atexit.register(_close_open_cameras)
        self._gl.make_current()
        self._context = mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_100)
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self._context)
        self._scene = mujoco.MjvScene(model, maxgeom=2000)
        self._scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 0
        self._scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 0
        self._option = mujoco.MjvOption()
        self._camera = mujoco.MjvCamera()
        self._camera.type = mujoco.mjtCamera.mjCAMERA_FIXED
        self._camera.fixedcamid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera)
        self._viewport = mujoco.MjrRect(0, 0, width, height)
        self._pixels = np.empty((height, width, 3), dtype=np.uint8)
        self._model = model
        _OPEN.add(self)

    def render(self, data: mujoco.MjData, model: mujoco.MjModel | None = None) -> np.ndarray:
        """The camera's current image, [height, width, 3] uint8 (a new array). ``model`` may be
        another instance of the same model (same XML) than the one the camera was made with."""
        self._gl.make_current()
        mujoco.mjv_updateScene(model or self._model, data, self._option, None, self._camera, mujoco.mjtCatBit.mjCAT_ALL, self._scene)
        mujoco.mjr_render(self._viewport, self._scene, self._context)
        mujoco.mjr_readPixels(self._pixels, None, self._viewport, self._context)
        # OpenGL rows start at the bottom: flip rows for an upright image; a flipped camera also mirrors columns.
        return np.ascontiguousarray(self._pixels[:, ::-1] if self.flip else self._pixels[::-1])

    def close(self) -> None:
        """Free the GL context (safe to call twice)."""
        if self._gl is not None:
            self._context.free()
            self._gl.free()
            self._gl = None


class SharedCameras:
    """One :class:`OffscreenCamera` per (key, camera, size) for every env of a process that uses it.

    A GL context with the model's textures costs ~160 MB; envs of the same task (the same model
    XML) can all render through one. ``acquire`` hands out the shared camera and counts users;
    ``release`` closes it when the last user is gone.
    """

    def __init__(self) -> None:
        self._cameras: dict[tuple, OffscreenCamera] = {}
        self._users: dict[tuple, int] = {}

    def acquire(self, key: str, model: mujoco.MjModel, camera: str, width: int, height: int) -> tuple[tuple, OffscreenCamera]:
        handle = (key, camera, width, height)
        if handle not in self._cameras or self._cameras[handle]._gl is None:
            self._cameras[handle] = OffscreenCamera(model, camera, width, height)
            self._users[handle] = 0
        self._users[handle] += 1
        return handle, self._cameras[handle]

    def release(self, handle: tuple) -> None:
        self._users[handle] -= 1
        if self._users[handle] == 0:
            self._cameras.pop(handle).close()
            del self._users[handle]


SHARED_CAMERAS = SharedCameras()
