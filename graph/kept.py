"""The built network, kept in a file so that a restart with unchanged data skips validation.

As R5 keeps ``network.dat`` and OpenTripPlanner ``graph.obj``: after a network is loaded and
validated from its four data files, :func:`keep` writes it to a folder; :func:`kept` reads it
back when the same files are loaded again with the same code. The file is named by a key, the
SHA-256 of the bytes of the four files, of this package's source files (the code that validates
and builds a network, and the classes stored) and of the Python version; it also holds that key
and a checksum of its body, so a file that is corrupt, truncated or for other inputs is ignored
(and then replaced), never an error.

The body is a pickle. Unpickling runs whatever the file says, so only a folder that belongs to
the user (or to root, as in the image) may be given, and only a file owned by them, that no one
else may write, is read. Only networks that validated are kept: invalid data fails at every
load with all its problems listed. Files are written whole and renamed into place, so processes
loading at once never read half of one.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
from collections import deque
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from functools import cache
from itertools import repeat
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.network import Network

_MAGIC = b"corridor-network 1\n"
_CODE = Path(__file__).resolve().parent
#: Kept networks left in a folder: older ones go, so that data edits do not fill the disk.
_KEPT_FILES = 4


def key(files: Iterable[Path]) -> str | None:
    """The SHA-256 (hex) naming the network that this code builds from ``files`` (in order).

    ``None`` if a file cannot be read (loading then reports it).
    """
    digest = hashlib.sha256(_code_fingerprint())
    for path in files:
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                content = hashlib.file_digest(handle, "sha256").digest()  # read in pieces
        except OSError:
            return None
        digest.update(size.to_bytes(8, "big") + content)
    return digest.hexdigest()


def kept(folder: Path, file_key: str) -> Network | None:
    """The network kept under ``file_key`` in ``folder``, or ``None`` (missing or unusable)."""
    from graph.network import Network

    path = _path(folder, file_key)
    try:
        with path.open("rb") as handle:
            if not _trusted(os.fstat(handle.fileno())):
                return None
            data = handle.read()
        head = _MAGIC + file_key.encode() + b"\n"
        checksum_end = len(head) + 65
        if not data.startswith(head) or len(data) < checksum_end:
            return None
        body = memoryview(data)[checksum_end:]
        if hashlib.sha256(body).hexdigest().encode() + b"\n" != data[len(head) : checksum_end]:
            return None
        network = pickle.loads(body)
    except Exception:  # a kept file that cannot be used is rebuilt, never an error
        return None
    return network if isinstance(network, Network) else None


def keep(folder: Path, file_key: str, network: Network) -> None:
    """Write ``network`` under ``file_key`` in ``folder``, atomically.

    A folder that cannot be written is given up quietly: the next load validates again.
    """
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(network)
    body = buffer.getbuffer()
    head = _MAGIC + file_key.encode() + b"\n" + hashlib.sha256(body).hexdigest().encode() + b"\n"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".network-", delete=False) as out:
            try:
                out.write(head)
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
                Path(out.name).replace(_path(folder, file_key))
            except BaseException:
                Path(out.name).unlink(missing_ok=True)
                raise
    except OSError:
        return
    _prune(folder, _path(folder, file_key))


def _path(folder: Path, file_key: str) -> Path:
    return folder / f"network-{file_key}.pickle"


def _trusted(status: os.stat_result) -> bool:
    """A file that only its owner, this user or root, can write."""
    owners = {0, os.getuid()} if hasattr(os, "getuid") else None
    if owners is not None and status.st_uid not in owners:
        return False
    return stat.S_ISREG(status.st_mode) and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _prune(folder: Path, newest: Path) -> None:
    """Remove all but ``newest`` and the most recent others (other processes may prune too)."""
    found = []
    for path in folder.glob("network-*.pickle"):
        if path != newest:
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(found, reverse=True)[_KEPT_FILES - 1 :]:
        with contextlib.suppress(OSError):
            path.unlink()


@cache
def _code_fingerprint() -> bytes:
    """SHA-256 of the package's sources and the Python version: a change to either is a miss."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(_CODE.glob("*.py")):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()


def _fields(cls: type[Any]) -> tuple[str, ...]:
    """The field names of a frozen, slotted dataclass, in order."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(field.name for field in fields(cls))
    return found


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def _rebuilt(cls: type[Any], values: tuple[Any, ...]) -> object:
    """A frozen, slotted dataclass instance from its field values, set directly.

    The dataclass's own ``__setstate__`` looks its fields up for each instance, and sets them
    one Python call at a time: here ``map`` sets them (four times faster for the 40,000 legs of
    a network 100 times the real one).
    """
    instance: object = object.__new__(cls)
    deque(map(object.__setattr__, repeat(instance), _fields(cls), values), maxlen=0)
    return instance


def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


class _Pickler(pickle.Pickler):
    """Pickles read-only mappings as their dicts and graph's dataclasses by field values."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[MappingProxyType] = lambda proxy: (_proxy, (dict(proxy),))

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        if (
            is_dataclass(obj)
            and cls.__module__.startswith("graph.")
            and "__slots__" in cls.__dict__
            and "__setstate__" in cls.__dict__  # frozen, slotted: its state is its field values
        ):
            return _rebuilt, (cls, tuple(map(getattr, repeat(obj), _fields(cls))))
        return NotImplemented
