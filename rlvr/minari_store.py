"""Where rlvr's Minari datasets live, and writing and reading them (``rlvr collect`` writes, the
offline trainers read).

Datasets go under ``datasets_path`` when given, else ``$MINARI_DATASETS_PATH``, else
``rlvr.cache.cache_dir("datasets")``; they load with ``minari.load_dataset(id)`` when
``MINARI_DATASETS_PATH`` points there, or with :func:`load_dataset` from any of those places or
from the folder a dataset was written to. Everything is written in Minari's arrow format.
"""

from __future__ import annotations

import os
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence


def datasets_root(datasets_path: str | Path | None = None) -> Path:
    """``datasets_path``, else ``$MINARI_DATASETS_PATH``, else the rlvr cache's ``datasets`` folder (absolute:
    Minari joins relative roots twice)."""
    from rlvr.cache import cache_dir

    if datasets_path is not None:
        return Path(datasets_path).expanduser().resolve()
    if os.environ.get("MINARI_DATASETS_PATH"):
        return Path(os.environ["MINARI_DATASETS_PATH"]).expanduser().resolve()
    return cache_dir("datasets")


@contextmanager
def minari_root(root: Path) -> Iterator[None]:
    """Minari reads its datasets folder from ``$MINARI_DATASETS_PATH``: point it at ``root`` for a while."""
    before = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = before


def write_dataset(dataset_id: str, buffers: Sequence[Any], datasets_path: str | Path | None = None, **options: Any) -> Any:
    """Write Minari ``EpisodeBuffer``\\ s as ``dataset_id`` (replacing an older recording of that id);
    ``options`` go to ``minari.create_dataset_from_buffers``. Returns the dataset."""
    import minari

    root = datasets_root(datasets_path)
    root.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root / dataset_id, ignore_errors=True)
    with minari_root(root), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is set to None", category=UserWarning)  # author, email, permalink
        return minari.create_dataset_from_buffers(dataset_id, list(buffers), data_format="arrow", **options)


def load_dataset(name: str | Path, datasets_path: str | Path | None = None, *, how_to_record: str = "`rlvr collect`") -> Any:
    """A Minari dataset by id (looked up in :func:`datasets_root`) or by the folder it was written to;
    :class:`FileNotFoundError` saying how to record it when there is none."""
    import minari

    path = Path(name).expanduser()
    if (path / "data").is_dir():
        return minari.MinariDataset(path / "data")
    root = datasets_root(datasets_path)
    with minari_root(root):
        if str(name) not in minari.list_local_datasets():
            raise FileNotFoundError(f"no dataset {str(name)!r} in {root}; record one with {how_to_record} (or pass --datasets-path)")
        return minari.load_dataset(str(name))
