"""Debates: the argument map model, capture of messages, analysis, moderation and the attention queue."""
