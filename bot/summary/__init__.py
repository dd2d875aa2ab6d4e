"""A grounded digest of a debate: its strongest and most contested arguments, open attacks, themes and sources.

Everything in the digest comes from the debate itself: every line links to an argument's message (or to a debate
thread, for the counts of who took part) or names a cited source excerpt by title and paragraph, and every quote is
an argument's own text, shortened and Markdown-escaped. No language model writes anything.

The parts: ``analysis`` scores and ranks the arguments and finds open attacks, sources and participation
(``summarise``, ``open_attacks``; ``summarise_debate`` also computes the marks of bot/debates/marks.py);
``hinges`` gathers common ground, cruxes and changed minds from those marks (``hinge_sections``,
``opinion_moves``); ``themes`` groups a side's arguments by meaning (``average_linkage``); ``render`` writes the
digest as Markdown (``render_summary``); ``paging`` splits it for embeds (``summary_pages``).

How arguments are ranked (docs/summary.md, "How the summary ranks"):

- strongest: ``score = (up − down) + 1.0 * supports received + 0.5 * attacks answered − 1.0 * attacks unanswered``.
  An attack on X is *answered* when the attacking argument is itself attacked, or when X received a support posted
  after the attack. Ties go to the argument posted first.
- most contested: arguments both attacked and supported, by min(supports, attacks), then supports + attacks, then
  the earlier posting.
- open attacks: attacks nobody answered (in the sense above), oldest first, filed under the side attacked.
- themes: a side's numbered arguments grouped by meaning with average-linkage clustering on cosine similarity, cut
  at THEME_CUT. Only the CLUSTER_CAP arguments with the most votes cast are clustered (then the most supports and
  attacks, then the earliest), so the work stays bounded however long the debate runs. A theme is named by its most
  central argument, the one with the highest mean similarity to the other members.
- sources: documents by the number of citations the authors confirmed ('cited'), then the number Crux suggested.
- common ground: the arguments marked as such (each side has MIN_VOTERS_PER_SIDE voters and a bridging score of at
  least COMMON_GROUND_SCORE), best score first; cruxes: as /cruxes ranks them, double cruxes first; Δ oldest first,
  and the arguments by the Δ they earned; how opinion moved: each member's first declared stance against their
  latest. These cover the whole debate whatever side is asked for.
"""

from bot.summary.analysis import (
    OpenAttack,
    Participation,
    Passage,
    ScoredArgument,
    SideSummary,
    Source,
    Summary,
    open_attacks,
    summarise,
    summarise_debate,
)
from bot.summary.hinges import (
    ChangedMind,
    CommonGround,
    HingeSections,
    OpinionMoves,
    hinge_sections,
    opinion_moves,
)
from bot.summary.paging import summary_pages
from bot.summary.render import render_summary
from bot.summary.themes import CLUSTER_CAP, THEME_CUT, Theme, average_linkage

__all__ = [
    "CLUSTER_CAP",
    "THEME_CUT",
    "ChangedMind",
    "CommonGround",
    "HingeSections",
    "OpenAttack",
    "OpinionMoves",
    "Participation",
    "Passage",
    "ScoredArgument",
    "SideSummary",
    "Source",
    "Summary",
    "Theme",
    "average_linkage",
    "hinge_sections",
    "open_attacks",
    "opinion_moves",
    "render_summary",
    "summarise",
    "summarise_debate",
    "summary_pages",
]
