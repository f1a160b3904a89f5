"""Coqui model-zoo voices: a catalog ``model`` such as ``tts_models/bn/custom/vits-female``.

Where such a model comes from, in order:

1. Coqui's own model folder (``KONTHO_ZOO_DIR``, laid out as Coqui's ``ModelManager`` lays it out:
   ``{zoo_dir}/tts/tts_models--bn--custom--vits-female/``), filled by an earlier download;
2. the voice's ``mirror``, or else ``{KONTHO_ZOO_MIRROR}/tts_models--…/``: an ``s3://`` prefix (through the
   model cache) or a folder holding a copy that ``kontho voices import`` made;
3. Coqui's servers, through ``ModelManager.download_model`` in a child process that is killed after
   ``KONTHO_ZOO_DOWNLOAD_TIMEOUT_SECONDS`` (Coqui's own requests have no timeout at all), unless
   ``KONTHO_ZOO_DOWNLOAD`` is false.

When none of them has it the job fails with ``model_unavailable`` and a message that names the fix.
Coqui is imported only inside functions, so the ``kontho`` command can import this module without torch.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from kontho.aws import s3_client
from kontho.errors import KonthoError, ModelLoadFailed, ModelUnavailable, TransientError
from kontho.settings import Settings
from worker.models.cache import ModelCache, split_s3_uri
from worker.models.zoo_names import ZooName, parse_zoo_name, zoo_dir

log = structlog.get_logger(__name__)

_REASON_CHARS = 300


def zoo_root(settings: Settings) -> Path:
    return zoo_dir(settings.model_cache_dir, settings.zoo_dir)


def is_complete(folder: Path) -> bool:
    """A config.json and a checkpoint, which is all a VITS voice loads (Coqui names it model_file.pth,
    model.pth or checkpoint.pth)."""
    return (folder / "config.json").is_file() and any(folder.glob("*.pth"))


def coqui_manager(root: Path) -> Any:
    try:
        from TTS.utils.manage import ModelManager
    except ImportError as exc:  # the kontho command without the vits extra
        raise ModelUnavailable(
            f"Coqui TTS is not installed here ({exc}); install kontho[vits] to fetch zoo models"
        ) from exc
    return ModelManager(output_prefix=root, progress_bar=False)


def fix_up_paths(folder: Path) -> None:
    """Point the config's file references (speakers file, d-vectors, stats) at this folder.

    Coqui writes absolute paths into a downloaded model's config.json; a copy made elsewhere (a mirror,
    a staging folder moved into place) still names the old place. Coqui's own rewrite keeps the file names
    and changes only their folder, and writes the config only when something changed.
    """
    try:
        coqui_manager(folder)._update_paths(folder, folder / "config.json")
    except OSError as exc:  # a read-only mirror: loading says what is missing, if anything is
        log.warning("zoo_config_paths_not_updated", folder=str(folder), error=str(exc))


def _known_to_coqui(name: ZooName, root: Path) -> bool:
    models: dict[str, Any] = coqui_manager(root).models_dict.get("tts_models", {})
    return name.model in models.get(name.language, {}).get(name.dataset, {})


@contextmanager
def _download_lock(root: Path, name: ZooName) -> Iterator[None]:
    """One download per model per machine: workers sharing a cache volume wait for the first one."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / f".{name.folder_name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no output"
    return lines[-1] if len(lines[-1]) <= _REASON_CHARS else lines[-1][:_REASON_CHARS] + "…"


def download(name: ZooName, root: Path, timeout: float) -> Path:
    """Coqui's ModelManager downloads ``name`` into a staging folder, which then moves into place whole:
    a download cut short never leaves a folder that a later resolution would take for the model.

    Raises ``ModelUnavailable`` with the reason when it cannot.
    """
    if not _known_to_coqui(name, root):
        raise ModelUnavailable(f"Coqui's model list has no {name}")
    target = name.folder_under(root)
    with _download_lock(root, name):
        if is_complete(target):  # another worker fetched it while this one waited
            return target
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=root))
        started = time.monotonic()
        log.info("zoo_model_download", model=str(name), into=str(target), timeout_seconds=timeout)
        try:
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "worker.models.zoo", name.name, str(staging)],
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ModelUnavailable(f"downloading {name} did not finish within {timeout:g} s") from None
            fetched = name.folder_under(staging)
            if done.returncode != 0 or not is_complete(fetched):
                raise ModelUnavailable(f"downloading {name} failed: {_last_line(done.stderr)}")
            if target.exists():  # a folder left by an earlier, broken download
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            fetched.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    fix_up_paths(target)
    log.info(
        "zoo_model_downloaded",
        model=str(name),
        seconds=round(time.monotonic() - started, 1),
        megabytes=round(sum(p.stat().st_size for p in target.iterdir()) / 1e6, 1),
    )
    return target


def fetch(name: ZooName, settings: Settings) -> Path:
    """The model in Coqui's folder, downloaded first if it is not there."""
    root = zoo_root(settings)
    folder = name.folder_under(root)
    if is_complete(folder):
        return folder
    return download(name, root, settings.zoo_download_timeout_seconds)


def _mirror_location(name: ZooName, mirror: str | None, settings: Settings) -> str | None:
    if mirror:
        return mirror
    if settings.zoo_mirror:
        return f"{settings.zoo_mirror.rstrip('/')}/{name.folder_name}/"
    return None


def _from_mirror(location: str, settings: Settings) -> Path:
    s3 = s3_client(settings) if location.startswith("s3://") else None
    folder = ModelCache(settings.model_cache_dir, s3).resolve(location)
    if not is_complete(folder):
        raise ModelLoadFailed(f"{location} holds no config.json and .pth checkpoint")
    fix_up_paths(folder)
    return folder


def fix_for(name: ZooName) -> str:
    return (
        f"mirror it with `kontho voices import {name} --to s3://BUCKET/PREFIX/` and set `mirror:` in the "
        "voices file (or KONTHO_ZOO_MIRROR), or allow the workers egress to Coqui's model downloads"
    )


def resolve_zoo_model(name: ZooName, mirror: str | None, settings: Settings) -> Path:
    """A local folder holding the zoo model ``name`` (config.json and a checkpoint)."""
    root = zoo_root(settings)
    folder = name.folder_under(root)
    if is_complete(folder):
        fix_up_paths(folder)
        return folder
    tried = [f"not in the zoo folder {folder}"]
    location = _mirror_location(name, mirror, settings)
    if location is not None:
        try:
            return _from_mirror(location, settings)
        except TransientError:
            raise  # S3 throttled or unreachable: SQS delivers the job again
        except KonthoError as exc:
            tried.append(f"not at the mirror {location} ({exc})")
    if not settings.zoo_download:
        tried.append("downloads are off (KONTHO_ZOO_DOWNLOAD=false)")
    else:
        try:
            return download(name, root, settings.zoo_download_timeout_seconds)
        except ModelUnavailable as exc:
            tried.append(str(exc))
    raise ModelUnavailable(f"{name} is unavailable: {'; '.join(tried)}. To fix: {fix_for(name)}")


@dataclass(frozen=True)
class Mirrored:
    name: ZooName
    location: str
    """Where the copy is: the ``mirror`` of a catalog entry."""
    root: str
    """The ``--to`` destination: ``KONTHO_ZOO_MIRROR`` for every zoo voice mirrored there."""
    files: tuple[str, ...]
    size_bytes: int


def mirror_model(name: ZooName, destination: str, settings: Settings) -> Mirrored:
    """Copy the zoo model (fetched through Coqui if need be) to ``{destination}/{Coqui's folder name}/``."""
    folder = fetch(name, settings)
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    root = destination.rstrip("/")
    location = f"{root}/{name.folder_name}/"
    if destination.startswith("s3://"):
        bucket, prefix = split_s3_uri(location)
        s3 = s3_client(settings)
        for path in files:
            s3.upload_file(str(path), bucket, f"{prefix}{path.name}")
    else:
        target = Path(location).expanduser()
        target.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copyfile(path, target / path.name)
    return Mirrored(
        name=name,
        location=location,
        root=f"{root}/",
        files=tuple(p.name for p in files),
        size_bytes=sum(p.stat().st_size for p in files),
    )


def _download_main(argv: list[str]) -> int:
    """The child process of ``download``: ``python -m worker.models.zoo NAME OUTPUT_PREFIX``."""
    model_name, output_prefix = argv
    if parse_zoo_name(model_name) is None:
        print(f"not a zoo name: {model_name}", file=sys.stderr)
        return 2
    from TTS.utils.manage import ModelManager

    ModelManager(output_prefix=output_prefix, progress_bar=False).download_model(model_name)
    return 0


if __name__ == "__main__":
    sys.exit(_download_main(sys.argv[1:]))
