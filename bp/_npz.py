"""``.npz`` archives written atomically and read without trusting them.

:func:`numpy.load` trusts an archive: a member without an NPY header comes back as
``bytes``, an encrypted or oddly compressed member raises ``RuntimeError`` or
``NotImplementedError``, and a header claiming an absurd shape allocates it
(``MemoryError``) before reading a byte. :func:`read_npz` reads every member's NPY
header itself (:func:`numpy.lib.format.read_magic` and
``read_array_header_1_0``/``_2_0``), checks it against the member's real size, and
only then reads the data, a chunk at a time, so that every kind of damage becomes a
``ValueError`` saying what is wrong, and nothing in the file is ever executed (no
pickle). :func:`write_npz` writes a temporary file beside the target and renames it
over the target only once it is complete.
"""
from __future__ import annotations

import math
import os
import secrets
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

#: What ``np.savez`` (stored) and ``np.savez_compressed`` (deflated) write.
COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
HEADERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
#: Bytes read at a time: memory grows with the data actually present, not with what
#: a header or the zip directory claims.
CHUNK = 1 << 22


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` with ``np.savez``, atomically.

    The archive goes to a new temporary file in ``path``'s folder, is flushed to disk,
    and then replaces ``path`` with :func:`os.replace` (atomic on POSIX and Windows).
    If anything fails half-way, the old file at ``path`` is untouched and the
    temporary file is removed.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:     # O_EXCL: never reuse a name; 0o666 & ~umask, as a plain open() would
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every member of the archive at ``path`` as an array, checked before it is read.

    Raises
    ------
    ValueError
        For anything but a well-formed archive of NPY members holding numbers or
        strings; the message names the member and the problem. Errors of the zip
        layer itself (truncated, bad CRC) propagate as ``zipfile.BadZipFile``,
        ``zlib.error``, ``EOFError`` or ``OSError``, for the caller to word.
    """
    with open(path, "rb") as fh:
        if fh.read(len(npy.MAGIC_PREFIX)) == npy.MAGIC_PREFIX:
            raise ValueError("it holds a single array, not an .npz archive")
        fh.seek(0)
        with zipfile.ZipFile(fh) as archive:
            out: dict[str, np.ndarray] = {}
            for info in archive.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                if key in out:
                    raise ValueError(f"member {info.filename!r} appears twice")
                out[key] = _member(archive, info)
            return out


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    where = f"member {info.filename!r}"
    if info.flag_bits & 0x1:
        raise ValueError(f"{where} is encrypted (bp model files never are)")
    if info.compress_type not in COMPRESSION:
        raise ValueError(f"{where} uses compression method {info.compress_type}; only "
                         f"{' and '.join(f'{v} ({k})' for k, v in COMPRESSION.items())} "
                         "are read")
    with archive.open(info) as f:
        try:
            version = npy.read_magic(f)
        except ValueError as err:
            raise ValueError(f"{where} has no NPY header, it is not an array ({err})") from None
        if version not in HEADERS:
            raise ValueError(f"{where} has NPY format version {version}; bp reads 1.0 and 2.0")
        try:
            shape, fortran, dtype = HEADERS[version](f)
        except (ValueError, TypeError, SyntaxError, RecursionError) as err:
            raise ValueError(f"{where} has a malformed NPY header ({err})") from None
        if dtype.hasobject:
            raise ValueError(f"{where} holds Python objects (dtype {dtype.str!r}), which only "
                             "pickle could read; bp never unpickles")
        if dtype.kind not in "biufU" or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(f"{where} has dtype {dtype}; a bp model holds numbers and text")
        if any(d < 0 for d in shape):
            raise ValueError(f"{where} claims the negative shape {shape}")
        count = math.prod(shape)
        nbytes = count * dtype.itemsize
        present = info.file_size - f.tell()
        if nbytes != present:
            raise ValueError(f"{where} claims shape {shape} of {dtype} ({nbytes} bytes) but "
                             f"holds {present} bytes of data")
        buf = bytearray()
        while len(buf) < nbytes:
            chunk = f.read(min(CHUNK, nbytes - len(buf)))
            if not chunk:
                raise EOFError(f"{where} ends after {len(buf)} of {nbytes} bytes")
            buf += chunk
        f.read(1)                                  # at the end: the zip CRC is checked
    arr = np.frombuffer(buf, dtype=dtype, count=count)      # writable: buf is a bytearray
    return arr.reshape(shape, order="F" if fortran else "C")
