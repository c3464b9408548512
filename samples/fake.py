"""Fake but plausible Vietnamese personal data (all NFC), driven by a seeded random.Random."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

TODAY = dt.date(2026, 11, 25)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# Family names with rough real-world weights (Nguyễn is ~38% of the population).
FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4),
    ("Vũ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1),
    ("Lý", 1), ("Đinh", 1), ("Trịnh", 1), ("Mai", 1), ("Đào", 1), ("Cao", 1), ("Tạ", 1),
]  # fmt: skip
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công", "Xuân", "Ngọc", "Anh", "Tiến"]
MIDDLE_F = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Thùy", "Minh", "Phương", "Hồng", "Mai", "Khánh"]
GIVEN_M = [
    "Hùng", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Quân", "Khánh", "Đạt", "Phúc", "Thắng",
    "Cường", "Hiếu", "Trung", "Sơn", "Huy", "Đức", "Bảo", "Việt", "Lộc", "Thịnh", "Kiên",
    "Tùng", "Quyết", "Hoàng", "Vĩnh", "Thái", "Nghĩa", "Toàn", "Hưng", "Minh Khôi", "Gia Bảo",
    "Đăng Khoa", "Anh Tuấn", "Mạnh", "Lâm", "Tú", "Phong",
]  # fmt: skip
GIVEN_F = [
    "Lan", "Hương", "Hoa", "Linh", "Trang", "Ngọc", "Nhung", "Thảo", "Hằng", "Yến", "Huyền",
    "Phương", "Mai", "Hà", "Thủy", "Vân", "Nga", "Quỳnh", "Ánh", "My", "Chi", "Loan", "Hạnh",
    "Hồng Nhung", "Minh Anh", "Bảo Ngọc", "Khánh Linh", "Thu Trang", "Diệu Linh", "Tuyết",
    "Duyên", "Giang", "Thơ", "Oanh", "Hiền",
]  # fmt: skip

# Real Hà Nội districts (pre-2025 three-level units, as most documents in archives still use)
# with some of their wards and streets.
HANOI: dict[str, tuple[str, list[str], list[str]]] = {
    "Ba Đình": ("quận", ["Kim Mã", "Ngọc Hà", "Liễu Giai", "Cống Vị", "Đội Cấn", "Giảng Võ",
                         "Thành Công", "Điện Biên"],
                ["Kim Mã", "Đội Cấn", "Liễu Giai", "Giảng Võ", "Văn Cao", "Đào Tấn",
                 "Hoàng Hoa Thám", "Nguyễn Thái Học"]),
    "Hoàn Kiếm": ("quận", ["Hàng Bạc", "Hàng Trống", "Tràng Tiền", "Cửa Nam", "Phan Chu Trinh",
                           "Hàng Bài", "Lý Thái Tổ"],
                  ["Hàng Bạc", "Hàng Gai", "Tràng Tiền", "Hai Bà Trưng", "Lý Thường Kiệt",
                   "Hàng Bông", "Đinh Tiên Hoàng"]),
    "Đống Đa": ("quận", ["Láng Thượng", "Ô Chợ Dừa", "Văn Chương", "Kim Liên", "Trung Liệt",
                         "Quang Trung", "Khâm Thiên", "Láng Hạ"],
                ["Tôn Đức Thắng", "Xã Đàn", "Khâm Thiên", "Láng", "Thái Hà", "Chùa Bộc",
                 "Tây Sơn", "Nguyễn Lương Bằng"]),
    "Hai Bà Trưng": ("quận", ["Bạch Đằng", "Lê Đại Hành", "Bách Khoa", "Minh Khai",
                              "Thanh Nhàn", "Vĩnh Tuy", "Quỳnh Mai"],
                     ["Bạch Mai", "Minh Khai", "Lò Đúc", "Trần Khát Chân", "Đại Cồ Việt",
                      "Kim Ngưu"]),
    "Cầu Giấy": ("quận", ["Dịch Vọng", "Dịch Vọng Hậu", "Nghĩa Đô", "Nghĩa Tân", "Quan Hoa",
                          "Yên Hòa", "Trung Hòa", "Mai Dịch"],
                 ["Xuân Thủy", "Cầu Giấy", "Trần Duy Hưng", "Hoàng Quốc Việt",
                  "Nguyễn Khánh Toàn", "Trần Thái Tông"]),
    "Thanh Xuân": ("quận", ["Khương Trung", "Nhân Chính", "Thượng Đình", "Kim Giang",
                            "Hạ Đình", "Thanh Xuân Bắc", "Phương Liệt"],
                   ["Nguyễn Trãi", "Khuất Duy Tiến", "Lê Văn Lương", "Vũ Trọng Phụng",
                    "Nguyễn Tuân"]),
    "Tây Hồ": ("quận", ["Quảng An", "Nhật Tân", "Xuân La", "Bưởi", "Thụy Khuê", "Yên Phụ"],
               ["Lạc Long Quân", "Âu Cơ", "Xuân Diệu", "Thụy Khuê", "Tô Ngọc Vân"]),
    "Hoàng Mai": ("quận", ["Định Công", "Đại Kim", "Hoàng Liệt", "Tân Mai", "Tương Mai",
                           "Mai Động", "Vĩnh Hưng"],
                  ["Giải Phóng", "Tam Trinh", "Kim Giang", "Lĩnh Nam", "Trương Định"]),
    "Long Biên": ("quận", ["Bồ Đề", "Gia Thụy", "Ngọc Lâm", "Ngọc Thụy", "Phúc Đồng",
                           "Việt Hưng", "Thạch Bàn"],
                  ["Nguyễn Văn Cừ", "Ngọc Lâm", "Nguyễn Văn Linh", "Ngô Gia Tự"]),
    "Nam Từ Liêm": ("quận", ["Mỹ Đình 1", "Mỹ Đình 2", "Cầu Diễn", "Mễ Trì", "Phú Đô",
                             "Xuân Phương"],
                    ["Lê Đức Thọ", "Hồ Tùng Mậu", "Mễ Trì", "Phạm Hùng"]),
    "Hà Đông": ("quận", ["Mộ Lao", "Văn Quán", "Vạn Phúc", "Yết Kiêu", "Kiến Hưng", "La Khê"],
                ["Quang Trung", "Nguyễn Trãi", "Tô Hiệu", "Trần Phú"]),
}  # fmt: skip
HANOI_RURAL: dict[str, list[str]] = {
    "Gia Lâm": ["Bát Tràng", "Kiêu Kỵ", "Đa Tốn", "Phù Đổng"],
    "Đông Anh": ["Uy Nỗ", "Kim Chung", "Cổ Loa", "Xuân Nộn"],
    "Thanh Trì": ["Tả Thanh Oai", "Tam Hiệp", "Vĩnh Quỳnh"],
    "Sóc Sơn": ["Phù Linh", "Mai Đình", "Tiên Dược"],
    "Ba Vì": ["Tản Lĩnh", "Vân Hòa", "Thụy An"],
}
VILLAGES = ["Đông", "Đoài", "Thượng", "Hạ", "Trung", "Nam", "Bắc", "1", "2", "3", "4", "5"]

# Birth-registration provinces for ID numbers and hometowns: (code, name, [(district, commune)]).
PROVINCES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("001", "Hà Nội", [("huyện Ba Vì", "xã Tản Lĩnh"), ("huyện Thường Tín", "xã Vạn Điểm"),
                       ("huyện Sóc Sơn", "xã Phù Linh")]),
    ("036", "Nam Định", [("huyện Hải Hậu", "xã Hải Phúc"), ("huyện Giao Thủy", "xã Giao Tiến")]),
    ("034", "Thái Bình", [("huyện Vũ Thư", "xã Tam Quang"), ("huyện Kiến Xương", "xã Vũ Lễ")]),
    ("040", "Nghệ An", [("huyện Nghi Lộc", "xã Nghi Phong"), ("huyện Diễn Châu", "xã Diễn Kim")]),
    ("038", "Thanh Hóa", [("huyện Hoằng Hóa", "xã Hoằng Quỳ"), ("huyện Nga Sơn", "xã Nga Thạch")]),
    ("030", "Hải Dương", [("huyện Gia Lộc", "xã Gia Tân"), ("huyện Kim Thành", "xã Kim Xuyên")]),
    ("033", "Hưng Yên", [("huyện Văn Lâm", "xã Lạc Đạo")]),
    ("035", "Hà Nam", [("huyện Lý Nhân", "xã Nhân Hậu")]),
    ("025", "Phú Thọ", [("huyện Lâm Thao", "xã Sơn Vi")]),
    ("027", "Bắc Ninh", [("huyện Tiên Du", "xã Phật Tích")]),
    ("042", "Hà Tĩnh", [("huyện Can Lộc", "xã Thiên Lộc")]),
    ("031", "Hải Phòng", [("huyện Thủy Nguyên", "xã Lập Lễ")]),
]  # fmt: skip

ETHNICITIES = ["Kinh"] * 12 + ["Tày", "Mường", "Thái", "Nùng", "Dao"]
RELIGIONS = ["Không"] * 8 + ["Phật giáo", "Công giáo", "Tin lành"]
OCCUPATIONS = [
    "Giáo viên", "Kỹ sư xây dựng", "Nhân viên văn phòng", "Kế toán", "Công nhân", "Kinh doanh",
    "Bác sĩ", "Điều dưỡng", "Lập trình viên", "Nội trợ", "Lái xe", "Hưu trí", "Sinh viên",
    "Công chức", "Tự do",
]  # fmt: skip
MARITAL = ["Độc thân", "Đã kết hôn", "Đã kết hôn", "Ly hôn", "Góa"]
EMAIL_DOMAINS = ["gmail.com"] * 6 + ["yahoo.com", "outlook.com", "hanoi.gov.vn", "fpt.vn"]
PHONE_PREFIXES = ["032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "070",
                  "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "088",
                  "089", "090", "091", "093", "094", "096", "097", "098", "099"]  # fmt: skip


@dataclass
class Address:
    detail: str  # house number and street, or village
    ward: str  # "phường Kim Mã"
    district: str  # "quận Ba Đình"
    city: str = "Hà Nội"

    def text(self, city_style: str = "Hà Nội") -> str:
        return nfc(f"{self.detail}, {self.ward}, {self.district}, {city_style}")


@dataclass
class Person:
    name: str  # "Nguyễn Văn Hùng", title case
    gender: str  # "Nam" | "Nữ"
    birth_date: dt.date
    id_number: str  # 12 digits
    province_code: str
    phone: str  # 10 digits
    email: str
    address: Address
    hometown: str
    ethnicity: str
    religion: str
    occupation: str


def weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def full_name(rng: random.Random, gender: str, family: str | None = None) -> str:
    family = family or weighted(rng, FAMILY)
    middle = rng.choice(MIDDLE_M if gender == "Nam" else MIDDLE_F)
    given = rng.choice(GIVEN_M if gender == "Nam" else GIVEN_F)
    if " " in given and rng.random() < 0.6:
        middle = ""  # "Nguyễn Minh Anh" rather than "Nguyễn Thị Minh Anh"
    return nfc(" ".join(p for p in (family, middle, given) if p))


def id_number(rng: random.Random, birth: dt.date, gender: str, province: str) -> str:
    """12-digit số định danh: province(3) + century/gender(1) + yy(2) + serial(6)."""
    century = 0 if birth.year < 2000 else 2
    cg = century + (1 if gender == "Nữ" else 0)
    return f"{province}{cg}{birth.year % 100:02d}{rng.randrange(10**6):06d}"


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def birth_date_for_age(rng: random.Random, lo: int, hi: int, ref: dt.date = TODAY) -> dt.date:
    start = dt.date(ref.year - hi - 1, ref.month, 1)
    end = dt.date(ref.year - lo, ref.month, 1) - dt.timedelta(days=1)
    return random_date(rng, start, end)


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"


def strip_accents(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def email(rng: random.Random, name: str, birth: dt.date) -> str:
    parts = strip_accents(name).lower().split()
    initials = "".join(p[0] for p in parts[:-1])
    local = rng.choice(
        [
            f"{parts[-1]}{initials}{birth.year % 100:02d}",
            f"{parts[-1]}.{parts[0]}{rng.randrange(1, 999)}",
            f"{''.join(parts)}",
            f"{parts[-1]}{initials}.{birth.year}",
        ]
    )
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def urban_address(rng: random.Random) -> Address:
    district = rng.choice(list(HANOI))
    kind, wards, streets = HANOI[district]
    street = rng.choice(streets)
    road = rng.choice(["phố", "đường"])
    n = rng.randrange(1, 200)
    detail = rng.choice(
        [
            f"Số {n} {road} {street}",
            f"Số {n} ngõ {rng.randrange(2, 300)} {road} {street}",
            f"Số {n}, ngách {rng.randrange(2, 60)}, ngõ {rng.randrange(2, 300)} {road} {street}",
            f"Phòng {rng.randrange(2, 30)}{rng.randrange(1, 20):02d}, tòa {rng.choice('ABCDE')}"
            f"{rng.randrange(1, 5)}, số {n} {road} {street}",
        ]
    )
    return Address(nfc(detail), nfc(f"phường {rng.choice(wards)}"), nfc(f"{kind} {district}"))


def rural_address(rng: random.Random) -> Address:
    district = rng.choice(list(HANOI_RURAL))
    commune = rng.choice(HANOI_RURAL[district])
    detail = f"Thôn {rng.choice(VILLAGES)}"
    return Address(nfc(detail), nfc(f"xã {commune}"), nfc(f"huyện {district}"))


def address(rng: random.Random) -> Address:
    return urban_address(rng) if rng.random() < 0.8 else rural_address(rng)


def province(rng: random.Random) -> tuple[str, str, list[tuple[str, str]]]:
    return PROVINCES[0] if rng.random() < 0.55 else rng.choice(PROVINCES)


def hometown(rng: random.Random, prov: tuple[str, str, list[tuple[str, str]]]) -> str:
    district, commune = rng.choice(prov[2])
    name = prov[1] if prov[1] == "Hà Nội" else f"tỉnh {prov[1]}"
    return nfc(f"{commune}, {district}, {name}")


def person(
    rng: random.Random,
    age: tuple[int, int] = (20, 75),
    gender: str | None = None,
    family: str | None = None,
    addr: Address | None = None,
) -> Person:
    gender = gender or rng.choice(["Nam", "Nữ"])
    birth = birth_date_for_age(rng, *age)
    prov = province(rng)
    name = full_name(rng, gender, family)
    return Person(
        name=name,
        gender=gender,
        birth_date=birth,
        id_number=id_number(rng, birth, gender, prov[0]),
        province_code=prov[0],
        phone=phone(rng),
        email=email(rng, name, birth),
        address=addr or address(rng),
        hometown=hometown(rng, prov),
        ethnicity=rng.choice(ETHNICITIES),
        religion=rng.choice(RELIGIONS),
        occupation=rng.choice(OCCUPATIONS),
    )


# ---- printing formats -------------------------------------------------------------------

DATE_FORMATS = ("slash", "dash", "dot", "words")


def fmt_date(d: dt.date, style: str = "slash", pad: bool = True) -> str:
    day, month = (f"{d.day:02d}", f"{d.month:02d}") if pad else (str(d.day), str(d.month))
    if style == "words":
        return f"ngày {day} tháng {month} năm {d.year}"
    if style == "slots":  # typed into the template's "…/…/…" slots
        return f"{day} / {month} / {d.year}"
    if style == "frame":  # typed into the "ngày … tháng … năm …" frame, without the "ngày"
        return f"{day} tháng {month} năm {d.year}"
    sep = {"slash": "/", "dash": "-", "dot": "."}[style]
    return f"{day}{sep}{month}{sep}{d.year}"


def fmt_phone(p: str, style: str) -> str:
    if style == "intl":
        return f"+84 {p[1:4]} {p[4:7]} {p[7:]}"
    if style == "grouped":
        return f"{p[:4]} {p[4:7]} {p[7:]}"
    if style == "dotted":
        return f"{p[:4]}.{p[4:7]}.{p[7:]}"
    return p


def fmt_number_vn(x: float, decimals: int = 1) -> str:
    """120.5 -> '120,5'; 1200.0 -> '1.200' (Vietnamese decimal comma, thousands dot)."""
    whole, frac = f"{x:.{decimals}f}".split(".")
    s = f"{int(whole):,}".replace(",", ".")
    frac = frac.rstrip("0")
    return f"{s},{frac}" if frac else s


def receiver_ward(rng: random.Random, addr: Address) -> str:
    level = "Ủy ban nhân dân" if rng.random() < 0.7 else "UBND"
    return nfc(f"{level} {addr.ward}, {addr.district}, thành phố Hà Nội")


def add_years(d: dt.date, n: int) -> dt.date:
    """d shifted by n years; 29 February becomes 28 February in common years."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)
