"""Values typed into the official Word templates: written fresh for this set.

Nothing here is taken from samples/ (the product's generator) or benchmarks/heldout/ (the other
renderer): the lists below were written for benchmarks/wordforms only. Names use every tone mark
(ngang, huyền, sắc, hỏi, ngã, nặng) and the letters ă â đ ê ô ơ ư; addresses use both the
administrative names before the 2025 reorganisation (xã/phường, quận/huyện, tỉnh/thành phố) and
the two-level names in force from 1 July 2025 (phường/xã directly under the province).

Every draw goes through a `random.Random` passed in, so a seed gives the same set.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

SURNAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Tạ", "Khổng", "Kiều", "Quách",
    "Lã", "Mạc", "Ưng", "Âu", "Doãn", "Chử", "Nghiêm", "Lưu", "Thái",
]

MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Quốc", "Minh", "Thành", "Xuân", "Công", "Bảo", "Gia",
               "Trọng", "Đình", "Mạnh", "Tuấn", "Việt", "Khắc", "Sỹ", "Thế", "Ngọc"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thùy", "Thanh", "Mỹ", "Phương", "Khánh", "Bích", "Diệu",
                 "Hải", "Quỳnh", "Tuyết", "Kim", "Hồng", "Thu", "Ánh", "Lệ", "Như"]

GIVEN_MALE = [
    "Hùng", "Dũng", "Tuấn", "Lộc", "Trường", "Khải", "Vĩnh", "Hiếu", "Nghĩa", "Phúc", "Thắng",
    "Cường", "Quân", "Sơn", "Huy", "Khoa", "Đạt", "Tùng", "Vũ", "Bảo", "Kỷ", "Mỹ", "Hoà", "Lĩnh",
    "Toản", "Hưởng", "Ngữ", "Lượng", "Thịnh", "Đoàn", "Ổn", "Ẩn", "Quyết", "Trí", "Nhật",
]
GIVEN_FEMALE = [
    "Thảo", "Ngọc", "Hương", "Quỳnh", "Nguyệt", "Hạnh", "Nhã", "Trang", "Lan", "Mai", "Hằng",
    "Yến", "Thủy", "Huyền", "Vy", "Linh", "Nhung", "Uyên", "Diễm", "Mỹ", "Ngân", "Trâm",
    "Phượng", "Hảo", "Liễu", "Duyên", "Oanh", "Ý", "Ánh", "Xoan", "Thư", "Giang", "Dạ",
]

# Wards/communes of Hà Nội by name, with the district they belonged to before 1 July 2025, and
# the unit they belong to after (two-level government: phường/xã directly under the city).
HANOI_PRE_2025 = [
    ("Phường Điện Biên", "Quận Ba Đình"), ("Phường Kim Mã", "Quận Ba Đình"),
    ("Phường Hàng Bạc", "Quận Hoàn Kiếm"), ("Phường Tràng Tiền", "Quận Hoàn Kiếm"),
    ("Phường Bạch Đằng", "Quận Hai Bà Trưng"), ("Phường Quỳnh Lôi", "Quận Hai Bà Trưng"),
    ("Phường Văn Chương", "Quận Đống Đa"), ("Phường Ô Chợ Dừa", "Quận Đống Đa"),
    ("Phường Quảng An", "Quận Tây Hồ"), ("Phường Nhật Tân", "Quận Tây Hồ"),
    ("Phường Dịch Vọng Hậu", "Quận Cầu Giấy"), ("Phường Nghĩa Đô", "Quận Cầu Giấy"),
    ("Phường Khương Trung", "Quận Thanh Xuân"), ("Phường Hạ Đình", "Quận Thanh Xuân"),
    ("Phường Định Công", "Quận Hoàng Mai"), ("Phường Vĩnh Hưng", "Quận Hoàng Mai"),
    ("Phường Ngọc Thụy", "Quận Long Biên"), ("Phường Phúc Đồng", "Quận Long Biên"),
    ("Phường Mỹ Đình 1", "Quận Nam Từ Liêm"), ("Phường Cổ Nhuế 2", "Quận Bắc Từ Liêm"),
    ("Phường Mộ Lao", "Quận Hà Đông"), ("Phường Phú Lãm", "Quận Hà Đông"),
    ("Xã Kim Chung", "Huyện Đông Anh"), ("Xã Bát Tràng", "Huyện Gia Lâm"),
    ("Thị trấn Văn Điển", "Huyện Thanh Trì"), ("Xã Tản Lĩnh", "Huyện Ba Vì"),
    ("Xã Đông Sơn", "Huyện Chương Mỹ"), ("Xã Hữu Bằng", "Huyện Thạch Thất"),
    ("Thị trấn Phùng", "Huyện Đan Phượng"), ("Xã Vạn Phúc", "Huyện Thanh Trì"),
]
HANOI_POST_2025 = [
    "Phường Ba Đình", "Phường Ngọc Hà", "Phường Giảng Võ", "Phường Hoàn Kiếm", "Phường Cửa Nam",
    "Phường Hai Bà Trưng", "Phường Vĩnh Tuy", "Phường Bạch Mai", "Phường Đống Đa",
    "Phường Kim Liên", "Phường Văn Miếu - Quốc Tử Giám", "Phường Láng", "Phường Ô Chợ Dừa",
    "Phường Tây Hồ", "Phường Phú Thượng", "Phường Cầu Giấy", "Phường Nghĩa Đô",
    "Phường Yên Hòa", "Phường Thanh Xuân", "Phường Khương Đình", "Phường Phương Liệt",
    "Phường Hoàng Mai", "Phường Lĩnh Nam", "Phường Long Biên", "Phường Bồ Đề",
    "Phường Việt Hưng", "Phường Hà Đông", "Phường Dương Nội", "Phường Kiến Hưng",
    "Phường Từ Liêm", "Phường Xuân Phương", "Phường Tây Mỗ", "Phường Đông Ngạc",
    "Phường Sơn Tây", "Xã Sóc Sơn", "Xã Đông Anh", "Xã Gia Lâm", "Xã Thanh Trì",
    "Xã Bát Tràng", "Xã Ba Vì", "Xã Chương Mỹ", "Xã Thạch Thất", "Xã Ứng Hòa",
]
# Other provinces: (commune, district, province) before 2025; (commune, province) after.
PROVINCES_PRE_2025 = [
    ("Xã Hải Thanh", "Huyện Hải Hậu", "Tỉnh Nam Định"),
    ("Phường Đông Thọ", "Thành phố Thanh Hóa", "Tỉnh Thanh Hóa"),
    ("Xã Nghi Phong", "Huyện Nghi Lộc", "Tỉnh Nghệ An"),
    ("Xã Thụy Hải", "Huyện Thái Thụy", "Tỉnh Thái Bình"),
    ("Phường Ninh Xá", "Thành phố Bắc Ninh", "Tỉnh Bắc Ninh"),
    ("Xã Liêm Tuyền", "Thành phố Phủ Lý", "Tỉnh Hà Nam"),
    ("Xã Tam Hồng", "Huyện Yên Lạc", "Tỉnh Vĩnh Phúc"),
    ("Phường Cẩm Thượng", "Thành phố Hải Dương", "Tỉnh Hải Dương"),
    ("Xã Kỳ Sơn", "Huyện Kỳ Anh", "Tỉnh Hà Tĩnh"),
    ("Phường Thủy Xuân", "Thành phố Huế", "Tỉnh Thừa Thiên Huế"),
    ("Xã Quảng Phú", "Huyện Quảng Điền", "Tỉnh Thừa Thiên Huế"),
    ("Phường Ngũ Hành Sơn", "Quận Ngũ Hành Sơn", "Thành phố Đà Nẵng"),
    ("Xã Yên Ninh", "Huyện Ý Yên", "Tỉnh Nam Định"),
    ("Xã Đồng Tâm", "Huyện Lạc Thủy", "Tỉnh Hòa Bình"),
    ("Phường Tân Thịnh", "Thành phố Thái Nguyên", "Tỉnh Thái Nguyên"),
    ("Xã Mỹ Đức", "Huyện Phù Mỹ", "Tỉnh Bình Định"),
    ("Phường Bến Nghé", "Quận 1", "Thành phố Hồ Chí Minh"),
    ("Xã Tân Hiệp", "Huyện Hóc Môn", "Thành phố Hồ Chí Minh"),
]
PROVINCES_POST_2025 = [
    ("Xã Hải Hậu", "Tỉnh Ninh Bình"), ("Phường Hạc Thành", "Tỉnh Thanh Hóa"),
    ("Xã Nghi Lộc", "Tỉnh Nghệ An"), ("Xã Thái Thụy", "Tỉnh Hưng Yên"),
    ("Phường Kinh Bắc", "Tỉnh Bắc Ninh"), ("Phường Phủ Lý", "Tỉnh Ninh Bình"),
    ("Xã Yên Lạc", "Tỉnh Phú Thọ"), ("Phường Thành Đông", "Thành phố Hải Phòng"),
    ("Phường Thủy Xuân", "Thành phố Huế"), ("Phường Ngũ Hành Sơn", "Thành phố Đà Nẵng"),
    ("Xã Ý Yên", "Tỉnh Ninh Bình"), ("Phường Phan Đình Phùng", "Tỉnh Thái Nguyên"),
    ("Phường Sài Gòn", "Thành phố Hồ Chí Minh"), ("Xã Hóc Môn", "Thành phố Hồ Chí Minh"),
    ("Phường Lào Cai", "Tỉnh Lào Cai"), ("Xã Kỳ Anh", "Tỉnh Hà Tĩnh"),
    ("Phường Hà Giang 1", "Tỉnh Tuyên Quang"), ("Xã Mỹ Đức", "Tỉnh Gia Lai"),
]
STREETS = [
    "phố Hàng Bông", "phố Đội Cấn", "phố Kim Mã", "đường Láng", "phố Tôn Đức Thắng",
    "đường Giải Phóng", "phố Bạch Mai", "phố Huế", "đường Nguyễn Trãi", "phố Lạc Long Quân",
    "đường Hoàng Quốc Việt", "phố Trần Duy Hưng", "đường Phạm Văn Đồng", "phố Ngọc Lâm",
    "đường Nguyễn Văn Cừ", "phố Lê Trọng Tấn", "đường Quang Trung", "phố Thụy Khuê",
    "phố Khâm Thiên", "phố Chùa Bộc", "đường Trường Chinh", "phố Vũ Trọng Phụng",
]
VILLAGES = ["Thôn Đoài", "Thôn Thượng", "Xóm Mới", "Thôn Hạ", "Tổ dân phố số 5", "Thôn Phú Mỹ",
            "Xóm Chùa", "Tổ dân phố Văn Trì", "Thôn Kỳ Lộ", "Ấp Tân Hòa"]

ETHNICITIES = ["Kinh"] * 10 + ["Tày", "Mường", "Thái", "Nùng", "Dao", "Hoa", "Sán Dìu"]
RELIGIONS = ["Không"] * 8 + ["Phật giáo", "Công giáo", "Tin lành", "Cao Đài"]
MARITAL = ["Độc thân", "Đã kết hôn", "Đã kết hôn", "Đã ly hôn", "Góa"]
OCCUPATIONS = [
    "Nhân viên văn phòng", "Giáo viên", "Kỹ sư xây dựng", "Lao động tự do", "Công nhân may",
    "Kế toán", "Nội trợ", "Sinh viên", "Bác sĩ", "Lái xe", "Kinh doanh", "Hưu trí",
    "Nông dân", "Cán bộ công chức", "Thợ điện", "Điều dưỡng", "Lập trình viên",
]
EDUCATION = ["12/12", "9/12", "Đại học", "Cao đẳng", "Thạc sĩ", "Trung cấp"]
BLOOD = ["A", "B", "O", "AB", ""]
RELATIONS_TO_HEAD = ["Vợ", "Chồng", "Con", "Con đẻ", "Cháu", "Cháu nội", "Em trai",
                     "Chị gái", "Mẹ", "Cha", "Con dâu", "Con rể", "Anh", "Em gái"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com.vn", "outlook.com", "hanoi.gov.vn", "vnpt.vn",
                 "fpt.com.vn", "hotmail.com"]
PHONE_PREFIXES = ["091", "094", "088", "098", "097", "096", "086", "090", "093", "089", "070",
                  "079", "077", "081", "083", "085", "056", "058", "059", "039", "038", "032"]
# Province codes of birth registration (first 3 digits of the 12-digit number).
PROVINCE_CODES = ["001", "001", "001", "036", "034", "022", "038", "040", "031", "030", "027",
                  "035", "026", "079", "048", "046", "019", "017"]
RESIDENCE_REQUESTS = [
    "Đăng ký thường trú",
    "Đăng ký tạm trú",
    "Tách hộ",
    "Xác nhận thông tin về cư trú",
    "Gia hạn tạm trú",
    "Điều chỉnh thông tin về cư trú trong Cơ sở dữ liệu về cư trú",
    "Đăng ký thường trú vào hộ gia đình {head} tại {addr}",
    "Đăng ký tạm trú tại {addr} thời hạn 24 tháng",
    "Xóa đăng ký thường trú do chuyển đến nơi ở mới tại {addr}",
]
RESIDENCE_RECEIVERS = ["Công an {unit}", "Công an {unit}, Thành phố Hà Nội",
                       "Công an {unit} - Hà Nội"]
ID_REQUESTS = ["Cấp mới", "Cấp đổi", "Cấp lại", "Cấp đổi do hết hạn", "Cấp lại do bị mất"]
SCHOOLS = ["Công nghệ thông tin", "Vật lý học", "Hóa học", "Sinh học", "Toán học",
           "Khoa học môi trường", "Địa chất học", "Hải dương học", "Kỹ thuật điện tử"]
JOB_CENTRES = ["Hà Nội", "tỉnh Bắc Ninh", "tỉnh Ninh Bình", "Thành phố Hải Phòng",
               "tỉnh Phú Thọ"]
CLINICS = ["Bệnh viện Bạch Mai", "Bệnh viện Đa khoa Xanh Pôn", "Trạm y tế phường Láng",
           "Bệnh viện Thanh Nhàn", "Bệnh viện Đa khoa Đống Đa", "Bệnh viện E"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def person_name(rng: random.Random, gender: str) -> str:
    middle = MIDDLE_MALE if gender == "Nam" else MIDDLE_FEMALE
    given = GIVEN_MALE if gender == "Nam" else GIVEN_FEMALE
    parts = [rng.choice(SURNAMES), rng.choice(middle)]
    if rng.random() < 0.25:  # two middle names: "Nguyễn Thị Thu Hằng", "Lê Văn Đức Hùng"
        parts.append(rng.choice([m for m in middle if m != parts[1]]))
    parts.append(rng.choice(given))
    if rng.random() < 0.04:  # a long compound name, as some families give
        parts.insert(1, rng.choice(SURNAMES))
    return nfc(" ".join(parts))


def birth_date(rng: random.Random, lo: int = 1945, hi: int = 2007) -> dt.date:
    start = dt.date(lo, 1, 1).toordinal()
    end = dt.date(hi, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def recent_date(rng: random.Random) -> dt.date:
    start = dt.date(2024, 1, 2).toordinal()
    return dt.date.fromordinal(rng.randint(start, dt.date(2026, 11, 30).toordinal()))


def id_number(rng: random.Random, born: dt.date, gender: str) -> str:
    """A 12-digit personal identification number that agrees with birth date and gender."""
    century = 0 if born.year < 2000 else 2
    digit4 = century + (1 if gender == "Nữ" else 0)
    return (rng.choice(PROVINCE_CODES) + str(digit4) + f"{born.year % 100:02d}"
            + f"{rng.randint(0, 999999):06d}")


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 9999999):07d}"


def phone_printed(rng: random.Random, digits: str) -> str:
    """How a person writes their number: 0912345678, 0912 345 678, 0912.345.678, +84 912..."""
    style = rng.random()
    if style < 0.45:
        return digits
    if style < 0.7:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if style < 0.85:
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
    return f"+84 {digits[1:4]} {digits[4:7]} {digits[7:]}"


_ASCII = str.maketrans({"đ": "d", "Đ": "D"})


def ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.translate(_ASCII))
    return "".join(c for c in folded if not unicodedata.combining(c))


def email(rng: random.Random, name: str, born: dt.date) -> str:
    parts = ascii_fold(name).lower().split()
    style = rng.randrange(4)
    if style == 0:
        local = parts[-1] + "." + "".join(p[0] for p in parts[:-1])
    elif style == 1:
        local = parts[-1] + parts[0] + str(born.year)
    elif style == 2:
        local = "".join(p[0] for p in parts[:-1]) + parts[-1] + f"{born.day:02d}{born.month:02d}"
    else:
        local = parts[0] + "_" + parts[-1] + str(rng.randint(1, 99))
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def house(rng: random.Random) -> str:
    kind = rng.random()
    street = rng.choice(STREETS)
    if kind < 0.4:
        return f"Số {rng.randint(1, 299)} {street}"
    if kind < 0.7:
        return f"Số {rng.randint(1, 60)} ngõ {rng.randint(2, 400)} {street}"
    if kind < 0.85:
        return f"Số {rng.randint(1, 40)}, ngách {rng.randint(1, 90)}/{rng.randint(2, 60)}, " \
               f"ngõ {rng.randint(2, 300)} {street}"
    return f"Phòng {rng.randint(1, 24)}{rng.randint(1, 20):02d}, tòa nhà {rng.choice('ABCDE')}" \
           f"{rng.randint(1, 5)}, {street}"


def address(rng: random.Random, *, hanoi: float = 0.7, post_2025: float = 0.5,
            with_house: bool = True) -> str:
    """A full address: house/street (or village), commune, [district,] province."""
    new = rng.random() < post_2025
    if rng.random() < hanoi:
        if new:
            unit = [rng.choice(HANOI_POST_2025), "Thành phố Hà Nội"]
        else:
            ward, district = rng.choice(HANOI_PRE_2025)
            unit = [ward, district, "Thành phố Hà Nội"]
        head = house(rng) if with_house else None
    else:
        unit = list(rng.choice(PROVINCES_POST_2025 if new else PROVINCES_PRE_2025))
        head = (rng.choice(VILLAGES) if rng.random() < 0.6 else house(rng)) if with_house \
            else None
    parts = ([head] if head else []) + unit
    return nfc(", ".join(parts))


def hometown(rng: random.Random) -> str:
    return address(rng, hanoi=0.4, post_2025=0.35, with_house=False)


def receiver_unit(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return rng.choice(HANOI_POST_2025).replace("Phường", "phường").replace("Xã", "xã")
    ward, district = rng.choice(HANOI_PRE_2025)
    return ward.replace("Phường", "phường").replace("Xã", "xã").replace("Thị trấn", "thị trấn")


def date_dmy(day: dt.date) -> tuple[str, str, str]:
    return f"{day.day:02d}", f"{day.month:02d}", f"{day.year:04d}"
