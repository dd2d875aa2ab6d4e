"""Crux: a Discord bot that turns a heated debate into a structured one."""
