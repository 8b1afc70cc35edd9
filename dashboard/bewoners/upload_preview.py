"""An upload before it is saved (plain logic, tested without a browser): the parsed rows split into what is new
and what is already on the Bewonerskaart, the table that shows them, and saving the new ones."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .model import Asset
from .store import AssetStore
from .upload import UploadResult, parse_upload


@dataclass
class UploadPreview:
    """A parsed upload: assets that are new, assets already on the map (skipped), repeats of an earlier row of the
    same file (skipped: saved once), and the parse result."""
    result: UploadResult
    new: list[Asset] = field(default_factory=list)
    duplicates: list[Asset] = field(default_factory=list)
    repeated: list[Asset] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        """'rij 7: ...' per problem, in file order."""
        return [error.message for error in self.result.errors]


def preview_upload(raw: bytes, filename: str, store: AssetStore, *, known_buurt_codes, locator) -> UploadPreview:
    """Parse an upload (parse_upload) and set aside rows already in the store (same name, category, buurt),
    so uploading a corrected file again adds only what is new, and rows that repeat an earlier row of the file
    (they are not on the map: the page said "staan al op de Bewonerskaart" of them). Nothing is saved here."""
    result = parse_upload(raw, filename, known_buurt_codes=known_buurt_codes, locator=locator)
    preview = UploadPreview(result)
    stored = store.existing_identity_keys([a.identity_key for a in result.assets]) if result.assets else set()
    in_file: set[str] = set()
    for asset in result.assets:
        key = asset.identity_key
        (preview.duplicates if key in stored else preview.repeated if key in in_file else preview.new).append(asset)
        in_file.add(key)
    return preview


def save_upload(preview: UploadPreview, store: AssetStore, *, actor: str = "onbekend") -> int:
    """Store the new assets of a preview in one transaction (all or nothing); returns how many. What another
    session stored in the meantime is skipped (the store's uniqueness rule), never stored twice."""
    return store.add_new(preview.new, actor=actor)[0]


def asset_table(assets: list[Asset]) -> pd.DataFrame:
    """Assets as a plain table, as shown (st.dataframe shows text as text) and downloaded."""
    return pd.DataFrame([{"Naam": a.name, "Categorie": a.category_label, "Buurtcode": a.buurt_code,
                          "Omschrijving": a.description, "Website": a.website,
                          "Datum": a.date.isoformat() if a.date else None,
                          "Plek": "benadering (coördinaten)" if a.location_approximate else "buurt opgegeven"}
                         for a in assets],
                        columns=["Naam", "Categorie", "Buurtcode", "Omschrijving", "Website", "Datum", "Plek"])
