"""Bewonerskaart: the residents' inventory of neighbourhood assets (Asset-Based Community Development).

Pure logic for the Streamlit page: the asset (model) and its validation (validation), upload parsing (upload),
buurt lookup from coordinates (geo), export (export; escaping is dashboard.core.escaping), and the store (store, asset_rows, schema) in
the user store (dashboard/userstore: a DuckDB file by default, PostgreSQL when configured). The page's sections
are view_list, view_edit, view_add and view_upload (Streamlit), over form_values and upload_preview (plain logic).
"""
from pathlib import Path

from .export import assets_to_csv, assets_to_geojson
from .geo import BuurtLocator
from .geo import BuurtCodes
from .model import CATEGORIES, Asset, AssetValidationError
from .store import (MAX_PER_BUURT, AssetNotFoundError, AssetStore, AssetStoreError, ReleaseDatabaseError,
                    StaleAssetError, default_store_path)
from .upload import MAX_FILE_BYTES, MAX_ROWS, RowError, UploadResult, parse_upload
from .validation import MAX_FIELD_CHARS, MAX_NAME_CHARS, build_asset, parse_category

TEMPLATE_CSV = Path(__file__).with_name("template.csv")

__all__ = [
    "CATEGORIES", "MAX_FIELD_CHARS", "MAX_NAME_CHARS", "MAX_FILE_BYTES", "MAX_ROWS", "TEMPLATE_CSV",
    "MAX_PER_BUURT", "StaleAssetError", "Asset", "AssetNotFoundError", "AssetStore", "AssetStoreError", "AssetValidationError", "BuurtCodes",
    "BuurtLocator", "ReleaseDatabaseError", "RowError", "UploadResult", "assets_to_csv", "assets_to_geojson",
    "build_asset", "default_store_path", "parse_category", "parse_upload",
]
