"""Errors of the user store. Each carries a short Dutch message for the page (`str(err)`)."""
from __future__ import annotations


class UserStoreError(RuntimeError):
    """Base class: something went wrong in the user store; nothing of the failed change was saved."""


class StoreBusyError(UserStoreError):
    """The store stayed busy (locked by another program, or conflicting saves) after retries."""

    def __init__(self, detail: str = ""):
        super().__init__("De opslag is even bezet door een andere gebruiker of een ander programma. Er is niets "
                         "verloren gegaan; probeer het over een paar seconden opnieuw.")
        self.detail = detail


class StoreDamagedError(UserStoreError):
    """The store file cannot be read (damaged, or not a database)."""

    def __init__(self, detail: str = ""):
        super().__init__("Het opslagbestand van de bewonersgegevens kan niet worden gelezen (beschadigd of geen "
                         "database). Vraag de beheerder om de reservekopie terug te zetten.")
        self.detail = detail


class StoreUnavailableError(UserStoreError):
    """The database server cannot be reached."""

    def __init__(self, detail: str = ""):
        super().__init__("De database met bewonersgegevens is nu niet bereikbaar. Probeer het later opnieuw.")
        self.detail = detail


class StoreTooNewError(UserStoreError):
    """The store was migrated by a newer Buurtbalans than this one."""

    def __init__(self, feature: str, found: int, known: int):
        super().__init__(f"De opslag is gemaakt met een nieuwere versie van Buurtbalans ({feature} versie {found}, "
                         f"deze versie kent tot {known}). Werk Buurtbalans bij; er is niets veranderd.")


class ConstraintError(UserStoreError):
    """A rule of the store refused the change (uniqueness, a check); `unique` says whether it was uniqueness."""

    def __init__(self, detail: str, *, unique: bool):
        super().__init__("Dit staat al in de opslag." if unique else
                         "De opslag weigert deze gegevens; er is niets opgeslagen.")
        self.detail = detail
        self.unique = unique


class RowMissingError(UserStoreError, KeyError):
    """The row does not exist (any more)."""

    def __init__(self, key: str = ""):
        UserStoreError.__init__(self, "Dit item bestaat niet meer.")
        self.key = key

    def __str__(self) -> str:  # KeyError would quote the message
        return "Dit item bestaat niet meer."


class StaleVersionError(UserStoreError):
    """Someone else saved the row after this form was opened; `current` holds the row as it is now."""

    def __init__(self, key: str, expected: int, current_version: int, current: object = None):
        super().__init__("Iemand anders heeft dit item gewijzigd nadat u het opende. Uw wijziging is niet "
                         "opgeslagen, zodat de andere wijziging niet verloren gaat. Hieronder staat wat er nu is "
                         "opgeslagen; pas het zo nodig opnieuw aan.")
        self.key, self.expected, self.current_version, self.current = key, expected, current_version, current
