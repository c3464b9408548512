"""Field extraction: schema-driven label -> value over OCR pages, normalisers, dossiers."""

from extractors.engine import document_types, extract, field_kinds, to_contract_json

__all__ = ["document_types", "extract", "field_kinds", "to_contract_json"]
