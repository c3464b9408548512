"""The contract's types and field kinds, read from the spec itself
(../shared/spec/document-types.md), not from the product's schema."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def realdata() -> Path:
    return Path(os.environ.get("SOHOA_REALDATA", ROOT.parent / "shared" / "realdata"))


def spec_path() -> Path:
    return realdata().parent / "spec" / "document-types.md"


def templates_dir() -> Path:
    return realdata() / "vn-forms" / "templates"


@lru_cache(maxsize=1)
def field_kinds() -> dict[str, dict[str, str]]:
    """document_type -> {field: kind}, in the contract's order."""
    types: dict[str, dict[str, str]] = {}
    for line in spec_path().read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*`([a-z_]+)`\s*\|[^|]*\|([^|]*)\|\s*$", line)
        if not m or m.group(1) == "other":
            continue
        fields = re.findall(r"([a-z0-9_]+)\s*\(([a-z_]+)\)", m.group(2))
        if fields:
            types[m.group(1)] = dict(fields)
    return types


def template_text(name: str) -> str:
    """The text of an official blank (a .txt template, or the born-digital CC01 PDF)."""
    import subprocess

    path = templates_dir() / name
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, timeout=60, check=True).stdout
    return path.read_text(encoding="utf-8")


# The official blank each type's form is worded after (the receipt and the card have none).
TEMPLATES = {
    "birth_registration": ["11_dang_ky_khai_sinh.txt"],
    "death_registration": ["56_TK_DK_khai_tu.txt"],
    "parent_child_recognition": ["57_TK_DK_nhan_CMC.txt", "52_TK_dang_ky_CMC.txt"],
    "residence_change": ["58_TK_thay_doi_thong_tin_cu_tru.txt", "45_thay_doi_thong_tin_cu_tru.txt"],
    "id_card_application": ["08_cccd.txt", "../cccd.pdf"],
    "power_of_attorney": ["38_giay_uy_quyen.txt"],
    "complaint": ["26_don_khieu_nai.txt"],
    "land_allocation_request": ["30_don_xin_giao_dat.txt"],
    "child_passport_application": ["51_TK_cap_ho_chieu_tre_em.txt"],
    "unemployment_benefit_request": ["18_de_nghi_huong_tro_cap_that_nghiep.txt"],
}
