"""The source library: documents split into excerpts, their embeddings, and hybrid search over them."""
