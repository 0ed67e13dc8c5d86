"""Walk the inputs a user names: archives, directories and single files.

Archives (``.tar.xz``, ``.tar.gz``, ``.tgz``, ``.tar``, ``.zip``) are streamed member
by member, so a 634 MB archive is never unpacked at once.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vigil.errors import InputError
from vigil.i18n import gettext as _

TAR_SUFFIXES = (".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tar")


@dataclass(frozen=True)
class Member:
    """One file inside the inputs: ``name`` is its base name, ``origin`` its full label."""

    name: str
    origin: str
    read: Callable[[], bytes]


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(TAR_SUFFIXES) or name.endswith(".zip")


def iter_members(
    paths: Iterable[str | os.PathLike[str]], accept: Callable[[str], bool]
) -> Iterator[Member]:
    """Yield every member whose base name ``accept`` takes, from files, dirs and archives.

    Directories are walked recursively in sorted order. A path that does not exist or
    an archive that cannot be read raises :class:`InputError` naming it.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(_("%(path)s: no such file or directory") % {"path": path})
        if path.is_dir():
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                if is_archive(sub):
                    yield from _archive_members(sub, accept)
                elif accept(sub.name):
                    yield Member(sub.name, str(sub), sub.read_bytes)
        elif is_archive(path):
            yield from _archive_members(path, accept)
        else:
            yield Member(path.name, str(path), path.read_bytes)


def _archive_members(path: Path, accept: Callable[[str], bool]) -> Iterator[Member]:
    if path.name.lower().endswith(".zip"):
        yield from _zip_members(path, accept)
    else:
        yield from _tar_members(path, accept)


def _tar_members(path: Path, accept: Callable[[str], bool]) -> Iterator[Member]:
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for info in tar:
                base = info.name.rsplit("/", 1)[-1]
                if not info.isfile() or not accept(base):
                    continue
                data = _read_tar_member(tar, info, path)
                yield Member(base, f"{path}:{info.name}", _returning(data))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InputError(
            _("%(path)s: not a readable archive (%(reason)s)") % {"path": path, "reason": exc}
        ) from exc


def _returning(data: bytes) -> Callable[[], bytes]:
    """A reader for bytes already read from an archive."""
    return lambda: data


def _read_tar_member(tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path) -> bytes:
    handle = tar.extractfile(info)
    if handle is None:  # pragma: no cover - isfile() checked by the caller
        raise InputError(_("%(path)s: cannot be read") % {"path": f"{path}:{info.name}"})
    return handle.read()


def _zip_members(path: Path, accept: Callable[[str], bool]) -> Iterator[Member]:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if info.is_dir() or not accept(base):
                    continue
                data = zf.read(info)
                yield Member(base, f"{path}:{info.filename}", _returning(data))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            _("%(path)s: not a readable archive (%(reason)s)") % {"path": path, "reason": exc}
        ) from exc


def iter_member_paths(
    paths: Iterable[str | os.PathLike[str]], accept: Callable[[str], bool]
) -> Iterator[tuple[str, Member]]:
    """Yield (member path, member) for every member whose *path* ``accept`` takes.

    As :func:`iter_members`, but the choice can look at folders, not only base names.
    The member path is '/'-separated: inside an archive, the path stored in it (a
    leading ``./`` dropped); under a directory given, the directory's own name, then
    the path inside it (so an unpacked archive gives the same paths as the archive);
    for a file given directly, its path as given. An archive met inside a directory is
    read member by member, its members' paths being those inside it. A tar member's
    bytes are read only when it is accepted (a .tar.xz is still decompressed in full,
    once, as the stream passes).
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(_("%(path)s: no such file or directory") % {"path": path})
        if path.is_dir():
            top = path.resolve().name  # "." names the folder it stands for
            for sub in sorted(p for p in path.rglob("*") if p.is_file()):
                if is_archive(sub):
                    yield from _archive_member_paths(sub, accept)
                    continue
                inner = f"{top}/{sub.relative_to(path).as_posix()}"
                if accept(inner):
                    yield inner, Member(sub.name, str(sub), sub.read_bytes)
        elif is_archive(path):
            yield from _archive_member_paths(path, accept)
        elif accept(path.as_posix()):
            yield path.as_posix(), Member(path.name, str(path), path.read_bytes)


def _archive_member_paths(
    path: Path, accept: Callable[[str], bool]
) -> Iterator[tuple[str, Member]]:
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                for zinfo in zf.infolist():
                    inner = zinfo.filename.removeprefix("./")
                    if zinfo.is_dir() or not accept(inner):
                        continue
                    data = zf.read(zinfo)
                    base = inner.rsplit("/", 1)[-1]
                    yield inner, Member(base, f"{path}:{zinfo.filename}", _returning(data))
            return
        with tarfile.open(path, mode="r:*") as tar:
            for info in tar:
                inner = info.name.removeprefix("./")
                if not info.isfile() or not accept(inner):
                    continue
                data = _read_tar_member(tar, info, path)
                base = inner.rsplit("/", 1)[-1]
                yield inner, Member(base, f"{path}:{info.name}", _returning(data))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(
            _("%(path)s: not a readable archive (%(reason)s)") % {"path": path, "reason": exc}
        ) from exc
