"""The only part of bot/ that speaks Discord: the bot, its checks, views, transformers and mod-log reporting."""
