"""A plain, code-free format for state kept across runs (the story index): numpy arrays in an
.npz archive, everything else as one JSON document inside it.

Never pickle: a state file copied from elsewhere must not be able to run code. `np.load` is
called with `allow_pickle=False`, so an object array (or a pickle smuggled in) is refused, and
the JSON part can only give back dicts, lists, strings and numbers.
"""
from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np

MAGIC = "newsdesk-state"
_META = "meta.json"


class BlobError(ValueError):
    """The bytes are not a state blob of this format (or one that tries to carry code)."""


def dump(state: dict[str, Any]) -> bytes:
    """`state` maps names to numpy arrays, tuples of arrays, or JSON-serialisable values."""
    arrays: dict[str, np.ndarray] = {}
    plain: dict[str, Any] = {}
    layout: dict[str, int] = {}            # name -> number of arrays of a tuple (0: one array)
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            arrays[name], layout[name] = _checked(name, value), 0
        elif isinstance(value, tuple) and value and all(isinstance(v, np.ndarray) for v in value):
            for i, v in enumerate(value):
                arrays[f"{name}.{i}"] = _checked(name, v)
            layout[name] = len(value)
        else:
            plain[name] = value
    meta = json.dumps({"format": MAGIC, "layout": layout, "plain": plain}, ensure_ascii=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_META, meta)
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=False)
            z.writestr(f"{name}.npy", buf.getvalue())
    return out.getvalue()


def load(blob: bytes) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            meta = json.loads(z.read(_META).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != MAGIC:
                raise BlobError("not a Newsdesk state blob")
            state: dict[str, Any] = dict(meta.get("plain", {}))
            for name, count in meta.get("layout", {}).items():
                parts = [_array(z, f"{name}.{i}") for i in range(count)] if count else None
                state[name] = tuple(parts) if parts is not None else _array(z, name)
            return state
    except BlobError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError, OSError) as e:
        raise BlobError(f"not a readable state blob: {e}") from None


def _array(z: zipfile.ZipFile, name: str) -> np.ndarray:
    return np.load(io.BytesIO(z.read(f"{name}.npy")), allow_pickle=False)


def _checked(name: str, arr: np.ndarray) -> np.ndarray:
    if arr.dtype.hasobject:
        raise TypeError(f"{name}: object arrays are not stored (they would need pickle)")
    return arr
