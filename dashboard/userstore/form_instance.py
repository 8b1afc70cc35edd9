"""Which instance of a new-item form a page shows (the wijkagenda's forms, the Bewonerskaart's add form).

Each instance of such a form makes an item with a fixed id, so a second submit of it (a double click) is a repeat.
The page shows the first instance, from the session's counter on, whose item the store does not hold yet: a saved
form thus opens a new, empty instance, and a refused one keeps its instance and what was typed. The store decides,
not only the counter: Streamlit stops a callback at any st.session_state access once another request waits
(SafeSessionState yields to the script runner), so a counter bumped after the save can be lost while the save went
through (README "Why a browser under load showed a form that was saved")."""
from __future__ import annotations

from collections.abc import Callable

# how many saved instances open_instance skips at most (one agenda's parts or one session's items are fewer)
MAX_SAVED_INSTANCES = 1_000


def open_instance(start: int, is_saved: Callable[[int], bool]) -> int:
    """The first instance n >= start whose item is not stored (is_saved(n) False)."""
    for n in range(start, start + MAX_SAVED_INSTANCES):
        if not is_saved(n):
            return n
    return start + MAX_SAVED_INSTANCES
