"""Crux extensions: one module per feature, each ending with `async def setup(bot)`."""
