"""Names that tell places apart: 30 gemeenten have two buurten of the same name (Heerde: two 'Verspreide huizen
bosgebied', BU02460009 with 20 inwoners and BU02460109), so a list or sentence that names a buurt by its name alone
could mean either. A name that occurs more than once in what is shown gets its code: 'Verspreide huizen bosgebied
(BU02460009)'."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def distinct(names: Iterable, codes: Iterable) -> list[str]:
    """Each name, with ' (code)' where the same name occurs more than once among `names`."""
    names, codes = [str(n) for n in names], [str(c) for c in codes]
    seen = Counter(names)
    return [f"{n} ({c})" if seen[n] > 1 else n for n, c in zip(names, codes)]
