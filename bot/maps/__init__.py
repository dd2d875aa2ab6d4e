"""Seeing a debate whole: its trees, exports to other tools, and the map drawn as a picture."""
