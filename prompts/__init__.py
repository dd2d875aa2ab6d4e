"""Every text Crux posts that a community may want to reword, one Markdown file per text.

`bot.prompts.render("<name>", ...)` reads `<name>.md` from this package and fills its `$placeholders` (`${name}`
before letters, `$$` for a dollar sign); the values each prompt receives are listed in `tests/test_prompts.py`.
To edit a prompt, change its file and keep its placeholders: the file is read on every use, so a running bot
picks the change up without a restart (in an installed copy, edit the file inside the installed `prompts`
package). This module is here only so the files ship in the wheel as package data.
"""
