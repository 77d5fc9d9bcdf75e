"""Fetching files: the hub through ``huggingface_hub``, plain URLs with resumable Range requests.

Both verify what they fetched (:mod:`integrity`) and fetch once more after a failed check, so a
corrupted or truncated file is replaced rather than loaded. Environment, read at call time:
``HF_ENDPOINT`` (a hub mirror), ``HF_TOKEN``, ``HF_HUB_OFFLINE`` (cache only, no network: plain
URLs are not tried at all).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from huggingface_hub import hf_hub_download
from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

from jukebox_cli.checkpoints.integrity import IntegrityError, verify_file
from jukebox_cli.checkpoints.sources import HubSource
from jukebox_cli.errors import CheckpointError

Progress = Callable[[str, int, int | None], None]  # (label, bytes done, total or None)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
_RETRYABLE = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def ensure_space(directory: str | Path, needed: int, what: str) -> None:
    """Raise before starting when ``directory``'s disk has less than ``needed`` bytes free."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise CheckpointError(f"not enough disk space in {directory} for {what}: need {needed / 1e9:.2f} GB, "
                              f"{free / 1e9:.2f} GB free (use --models-dir / --cache-dir elsewhere)")


def hub_file(src: HubSource, filename: str, cache_dir: str | Path | None = None) -> Path:
    """One file of a hub repository, through the hub cache, verified against its LFS sha256.

    LFS files are cached under their sha256 (the hub's ETag), so the blob name is the expected
    checksum; a mismatch deletes the blob and downloads it again once.
    """
    for attempt in (1, 2):
        path = Path(_hf_download(src, filename, cache_dir, force=attempt == 2))
        blob = path.resolve()
        url = f"{hub_endpoint()}/{src.repo}/resolve/{src.revision}/{filename}"
        try:
            verify_file(blob, url, sha256=blob.name if _SHA256.fullmatch(blob.name) else None)
            return path
        except IntegrityError:
            blob.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            if attempt == 2 or offline():
                raise
    raise AssertionError("unreachable")


def _hf_download(src: HubSource, filename: str, cache_dir: str | Path | None, force: bool) -> str:
    where = f"{filename} of {src.repo}@{src.revision}"
    try:
        return hf_hub_download(src.repo, filename, revision=src.revision, cache_dir=cache_dir,
                               endpoint=hub_endpoint(), token=os.environ.get("HF_TOKEN") or None,
                               local_files_only=offline(), force_download=force)
    except LocalEntryNotFoundError as e:
        if offline():
            raise CheckpointError(f"HF_HUB_OFFLINE is set and {where} is not in the hub cache "
                                  f"({cache_dir or 'default cache'}); run `jukebox download` once online, "
                                  "or unset HF_HUB_OFFLINE") from e
        raise CheckpointError(f"cannot reach {hub_endpoint()} for {where}: {e}") from e
    except (HfHubHTTPError, OSError) as e:
        raise CheckpointError(f"cannot download {where} from {hub_endpoint()}: {e}") from e


def fetch_url(url: str, dest: str | Path, size: int | None = None, sha256: str | None = None,
              progress: Progress | None = None, attempts: int = 5) -> Path:
    """Download ``url`` to ``dest`` (``dest.part`` meanwhile, resumed with Range), verified.

    An existing ``dest`` that verifies is kept; one that fails is deleted. A download that fails
    verification is deleted and fetched once more before giving up.
    """
    dest = Path(dest)
    if dest.is_file():
        try:
            verify_file(dest, url, size, sha256)
            return dest
        except IntegrityError:
            dest.unlink()
    if offline():
        raise CheckpointError(f"HF_HUB_OFFLINE is set: not downloading {url}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    for attempt in (1, 2):
        _stream(url, part, attempts, progress)
        try:
            verify_file(part, url, size, sha256)
        except IntegrityError:
            part.unlink()
            if attempt == 2:
                raise
            continue
        os.replace(part, dest)
        return dest
    raise AssertionError("unreachable")


def _stream(url: str, part: Path, attempts: int, progress: Progress | None) -> None:
    """Append the rest of ``url`` to ``part``, resuming after dropped connections."""
    for attempt in range(attempts):
        have = part.stat().st_size if part.exists() else 0
        request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                resumed = resp.status == 206
                total = _total(resp, have if resumed else 0)
                done = have if resumed else 0
                with open(part, "ab" if resumed else "wb") as f:
                    while chunk := resp.read(_CHUNK):
                        f.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(url, done, total)
                if total is None or done >= total:
                    return
        except urllib.error.HTTPError as e:
            if e.code == 416 and have:  # nothing left to send: the part file is complete
                return
            if e.code < 500:
                raise CheckpointError(f"cannot download {url}: HTTP {e.code} {e.reason}") from e
        except _RETRYABLE:
            if attempt == attempts - 1:
                raise CheckpointError(f"cannot download {url}: connection failed {attempts} times "
                                      f"({part} keeps what arrived; run again to resume)") from None
        time.sleep(min(0.2 * 2**attempt, 5.0))
    raise CheckpointError(f"cannot download {url}: incomplete after {attempts} attempts (run again to resume)")


def _total(resp: http.client.HTTPResponse, start: int) -> int | None:
    """Full file size from Content-Range (``bytes a-b/N``) or Content-Length plus the resume offset."""
    content_range = resp.headers.get("Content-Range", "")
    if "/" in content_range and not content_range.endswith("*"):
        return int(content_range.rsplit("/", 1)[1])
    length = resp.headers.get("Content-Length")
    return start + int(length) if length else None
