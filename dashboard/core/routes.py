"""Page addresses: every page at a Dutch slug, the obvious other slugs as aliases, and a Dutch 'niet gevonden'.

Streamlit serves the default page at "/" whatever its `url_path` says, and answers any path it does not know with
an English "Page not found" dialog that an app cannot restyle. Two hidden kinds of page close that gap:
- an alias (`/profiel`, `/buurt-in-beeld`, `/over`, ...; also any capitalisation of a known slug) forwards to its
  page with the query string kept, so `/profiel?regio=BU0363AA01` opens that buurt;
- any other one-segment path is answered by a Dutch page that says the address does not exist and links every page.
A path of several segments (`/a/b`) cannot be a Streamlit page, so Streamlit's own dialog stays for those.
"""
from __future__ import annotations

import re
from functools import partial
from pathlib import Path

# alias -> page file (as in app.PAGES). The pages' own slugs are in app.PAGES; these are the other obvious ones.
ALIASES = {"profiel": "profiel.py", "buurt-in-beeld": "profiel.py", "buurt": "profiel.py", "start": "profiel.py",
           "kaarten": "kaart.py", "vergelijk": "vergelijken.py", "verband": "verbanden.py",
           "bewoners": "bewonerskaart.py", "agenda": "wijkagenda.py", "over": "over_de_data.py",
           "over-de-gegevens": "over_de_data.py", "data": "over_de_data.py"}
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}")


def requested_slug() -> str | None:
    """The one-segment path the browser asked for ('foo' for /foo), or None (the root, a page hash, bare mode)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    name = getattr(getattr(ctx, "pages_manager", None), "intended_page_name", None) if ctx else None
    name = (name or "").strip("/")
    return name if SLUG.fullmatch(name) else None


def resolve(slug: str, slugs: dict[str, str]) -> str | None:
    """The page file a slug means: its own page, an alias, or either in other capitals; None when unknown.
    `slugs` maps each page's own url path to its file (the default page's is '' in Streamlit)."""
    for table in (slugs, ALIASES):
        for known, file in table.items():
            if known and known.lower() == slug.lower():
                return file
    return None


def _forward(target) -> None:
    import streamlit as st

    st.switch_page(target, query_params=st.query_params.to_dict())


def _not_found(slug: str, pages: list) -> None:
    import streamlit as st

    st.title("Pagina niet gevonden")
    st.markdown(f"Het adres `/{slug}` bestaat niet in Buurtbalans. Kies een pagina:")  # slug: SLUG only
    for page in pages:
        st.page_link(page)


def pages(table: list[tuple[str, str, str, str]], folder: Path, default: str) -> list:
    """Every page of `table` ((file, title, icon, url path); files missing from `folder` are left out) plus the
    hidden alias and 'niet gevonden' pages, ready for st.navigation.

    Streamlit serves the default page at "/" but still reserves its url_path, so an alias could not use it: the
    default page gets the reserved path '_<slug>' (unreachable, as no typed slug starts with '_') and its own
    slug becomes an alias that forwards to "/".
    """
    import streamlit as st

    by_file = {file: st.Page(f"{folder.name}/{file}", title=title, icon=icon,
                             url_path=f"_{url}" if file == default else url, default=file == default)
               for file, title, icon, url in table if (folder / file).exists()}
    own = {url: file for file, _title, _icon, url in table if file in by_file}
    return list(by_file.values()) + extra_pages(by_file, own)


def extra_pages(by_file: dict, own: dict[str, str]) -> list:
    """Hidden pages beside the real ones (`by_file`: page file -> st.Page; `own`: each page's slug -> file)."""
    import streamlit as st

    reachable = {page.url_path for page in by_file.values()}        # '' for the default page
    aliases = {alias: file for alias, file in {**own, **ALIASES}.items()
               if alias not in reachable and file in by_file}
    extra = [st.Page(partial(_forward, by_file[file]), title=alias, url_path=alias, visibility="hidden")
             for alias, file in aliases.items()]
    asked = requested_slug()
    if asked and asked not in reachable and asked not in aliases:
        file = resolve(asked, own)
        action = partial(_forward, by_file[file]) if file in by_file else \
            partial(_not_found, asked, list(by_file.values()))
        extra.append(st.Page(action, title="Pagina niet gevonden", url_path=asked, visibility="hidden"))
    return extra
