"""The Docker image SWE-v0 episodes run in, built locally: a Debian root filesystem made by
``mmdebstrap`` and loaded with ``docker import`` (nothing is pulled from a registry).

The image is tagged by a hash of its recipe, so a changed recipe builds a new image and an
unchanged one is reused: ``rlvr swe image build`` (or :func:`ensure_image`) is cheap when done.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass

from rlvr.tools.sandbox.base import SandboxUnavailable
from rlvr.tools.sandbox.docker import docker_client_argv, ensure_daemon

IMAGE_REPOSITORY = "rlvr-swe"


@dataclass(frozen=True)
class ImageRecipe:
    """What goes into the image: a Debian suite, an ``mmdebstrap`` variant and packages."""

    suite: str = "bookworm"
    variant: str = "minbase"
    packages: tuple[str, ...] = ("python3", "python-is-python3", "python3-pytest", "git", "procps")
    # Bump when the build steps below change in a way the fields do not show.
    revision: int = 1

    @property
    def tag(self) -> str:
        """``rlvr-swe:<hash of the recipe>``."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]
        return f"{IMAGE_REPOSITORY}:{digest}"


DEFAULT_RECIPE = ImageRecipe()


def image_exists(tag: str) -> bool:
    """True when the Docker engine already has an image called ``tag``."""
    done = subprocess.run([*docker_client_argv(), "image", "inspect", tag], capture_output=True)
    return done.returncode == 0


def build_image(recipe: ImageRecipe = DEFAULT_RECIPE, *, force: bool = False, log=print) -> str:
    """Build the image of ``recipe`` unless it exists (or ``force``); its tag.

    Needs root, ``mmdebstrap`` and a Docker engine (started if installed and not running).
    """
    ensure_daemon()
    tag = recipe.tag
    if image_exists(tag) and not force:
        log(f"image {tag} is up to date")
        return tag
    if shutil.which("mmdebstrap") is None:
        raise SandboxUnavailable("building the SWE image needs mmdebstrap: `apt-get install mmdebstrap` (as root)")
    if os.geteuid() != 0:
        raise SandboxUnavailable("building the SWE image runs mmdebstrap as root; run `rlvr swe image build` with sudo")
    with tempfile.TemporaryDirectory(prefix="rlvr-swe-image-") as scratch:
        rootfs = os.path.join(scratch, "rootfs.tar")
        command = ["mmdebstrap", f"--variant={recipe.variant}", f"--include={','.join(recipe.packages)}",
                   "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
                   recipe.suite, rootfs]
        log(f"building {tag}: {' '.join(command)}")
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"mmdebstrap failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        labels = ["--change", f"LABEL rlvr.swe.recipe={tag.partition(':')[2]}",
                  "--change", 'CMD ["sleep", "infinity"]']
        done = subprocess.run([*docker_client_argv(), "import", *labels, rootfs, tag], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"docker import failed: {done.stderr.strip()}")
    log(f"built {tag}")
    return tag


def ensure_image(recipe: ImageRecipe = DEFAULT_RECIPE) -> str:
    """The tag of ``recipe``'s image, built first if missing."""
    return build_image(recipe, log=lambda _message: None)
