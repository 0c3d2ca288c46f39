"""How tags are ranked in the tag list (see docs/tags.md for the reasoning).

    score = 5·applications + 3·favourites + 2·likes + 2·comments + 0.1·views
"""
from __future__ import annotations

WEIGHTS = {"applications": 5.0, "favourites": 3.0, "likes": 2.0, "comments": 2.0, "views": 0.1}


def score(applications: int = 0, favourites: int = 0, likes: int = 0, comments: int = 0, views: int = 0) -> float:
    """The rank score of one tag from its counts (the SQL in service.tag_list computes the same)."""
    counts = {"applications": applications, "favourites": favourites, "likes": likes, "comments": comments,
              "views": views}
    return round(sum(WEIGHTS[k] * (counts[k] or 0) for k in WEIGHTS), 1)
