"""Value sources of the held-out set, written for it alone (not taken from the product).

Names, places and procedures are drawn from lists typed here; ID numbers follow the real
structure of the 12-digit personal identification number (province of birth registration,
century/gender digit, two digits of the birth year, six-digit serial). Addresses use both the
administrative units in force before the 2025 merger (province, district, commune) and after it
(34 provinces, no district level), because citizens write both.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lương", "Tạ", "Trịnh", "Mai",
            "Cao", "Kiều", "Quách", "Tô", "Lã", "Khúc", "Âu", "Nghiêm", "Triệu", "Thái",
            "Doãn", "Ứng", "Chu", "Giáp", "Hà", "Lưu", "Văn", "Tăng", "Đàm"]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Thành", "Bảo", "Gia", "Trọng",
               "Công", "Đình", "Quốc", "Tiến", "Mạnh", "Thế", "Khắc", "Duy", "Ngọc", "Viết"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Diệu", "Phương", "Bích", "Khánh", "Tuệ",
                 "Hải", "Mỹ", "Quỳnh", "Hồng", "Kim", "Thuỳ", "Minh", "Bảo", "Ánh", "Cẩm"]
GIVEN_MALE = ["Hiếu", "Duẩn", "Thưởng", "Tường", "Dũng", "Khải", "Lộc", "Nghĩa", "Quyết",
              "Hưởng", "Toản", "Sỹ", "Vượng", "Thuận", "Khiêm", "Đạt", "Tuấn", "Phúc", "Hoà",
              "Luỹ", "Kiên", "Chiến", "Cường", "Huy", "Trí", "Thịnh", "Ngữ", "Điệp", "Ước",
              "Tùng", "Bình", "Sơn", "Nhật", "Khoa", "Quý", "Hạ", "Triều", "Tự", "Uy", "Kỷ"]
GIVEN_FEMALE = ["Nhung", "Khuê", "Hạnh", "Huyền", "Thoa", "Duyên", "Giang", "Liễu", "Oanh",
                "Yến", "Ngân", "Thảo", "Trinh", "Xuyến", "Mận", "Nguyệt", "Loan", "Hằng",
                "Quyên", "Lụa", "Thuỷ", "Diễm", "Ngọc", "Châu", "Hoa", "Tuyết", "Vân", "Gấm",
                "Phượng", "Ly", "Ánh", "Thư", "Nhàn", "Hiền", "Dịu", "Mừng", "Ỷ", "Ẩn"]

# Hà Nội after 1 July 2025: wards and communes directly under the city.
HANOI_NEW_WARDS = ["phường Hoàn Kiếm", "phường Cửa Nam", "phường Ba Đình", "phường Ngọc Hà",
                   "phường Giảng Võ", "phường Hai Bà Trưng", "phường Vĩnh Tuy",
                   "phường Bạch Mai", "phường Đống Đa", "phường Kim Liên", "phường Láng",
                   "phường Ô Chợ Dừa", "phường Văn Miếu - Quốc Tử Giám", "phường Hồng Hà",
                   "phường Lĩnh Nam", "phường Hoàng Mai", "phường Tương Mai",
                   "phường Định Công", "phường Hoàng Liệt", "phường Thanh Xuân",
                   "phường Khương Đình", "phường Phương Liệt", "phường Cầu Giấy",
                   "phường Nghĩa Đô", "phường Yên Hoà", "phường Tây Hồ", "phường Phú Thượng",
                   "phường Xuân Đỉnh", "phường Đông Ngạc", "phường Từ Liêm",
                   "phường Xuân Phương", "phường Tây Mỗ", "phường Đại Mỗ", "phường Long Biên",
                   "phường Bồ Đề", "phường Việt Hưng", "phường Phúc Lợi", "phường Hà Đông",
                   "phường Dương Nội", "phường Kiến Hưng", "phường Sơn Tây",
                   "xã Sóc Sơn", "xã Đông Anh", "xã Gia Lâm", "xã Thanh Trì", "xã Bát Tràng",
                   "xã Ba Vì", "xã Phúc Thọ", "xã Đan Phượng", "xã Hoài Đức", "xã Quốc Oai",
                   "xã Thạch Thất", "xã Chương Mỹ", "xã Thanh Oai", "xã Thường Tín",
                   "xã Phú Xuyên", "xã Ứng Hoà", "xã Mỹ Đức", "xã Mê Linh"]
# Hà Nội before the merger: (district, [wards]).
HANOI_OLD = [
    ("quận Hoàn Kiếm", ["phường Hàng Trống", "phường Tràng Tiền", "phường Hàng Bạc",
                        "phường Lý Thái Tổ", "phường Cửa Đông"]),
    ("quận Ba Đình", ["phường Kim Mã", "phường Ngọc Khánh", "phường Liễu Giai",
                      "phường Quán Thánh", "phường Đội Cấn"]),
    ("quận Đống Đa", ["phường Ô Chợ Dừa", "phường Khâm Thiên", "phường Trung Liệt",
                      "phường Láng Hạ", "phường Quốc Tử Giám"]),
    ("quận Hai Bà Trưng", ["phường Bạch Đằng", "phường Lê Đại Hành", "phường Minh Khai",
                           "phường Quỳnh Mai", "phường Thanh Nhàn"]),
    ("quận Cầu Giấy", ["phường Dịch Vọng Hậu", "phường Nghĩa Tân", "phường Mai Dịch",
                       "phường Trung Hoà", "phường Yên Hoà"]),
    ("quận Thanh Xuân", ["phường Khương Trung", "phường Nhân Chính", "phường Thượng Đình",
                         "phường Hạ Đình"]),
    ("quận Hoàng Mai", ["phường Định Công", "phường Giáp Bát", "phường Tương Mai",
                        "phường Yên Sở", "phường Thịnh Liệt"]),
    ("quận Long Biên", ["phường Ngọc Lâm", "phường Bồ Đề", "phường Gia Thụy",
                        "phường Thạch Bàn"]),
    ("quận Hà Đông", ["phường Văn Quán", "phường Mộ Lao", "phường Quang Trung",
                      "phường Kiến Hưng"]),
    ("huyện Đông Anh", ["xã Uy Nỗ", "xã Cổ Loa", "xã Kim Chung", "thị trấn Đông Anh"]),
    ("huyện Gia Lâm", ["xã Bát Tràng", "xã Đa Tốn", "thị trấn Trâu Quỳ"]),
    ("huyện Thường Tín", ["xã Vân Tảo", "xã Nhị Khê", "thị trấn Thường Tín"]),
]
STREETS = ["phố Hàng Bông", "phố Lò Đúc", "phố Huế", "đường Giải Phóng", "phố Chùa Bộc",
           "đường Láng", "phố Nguyễn Chí Thanh", "đường Trường Chinh", "phố Tôn Đức Thắng",
           "đường Nguyễn Trãi", "phố Đội Cấn", "đường Hoàng Quốc Việt", "phố Trần Duy Hưng",
           "đường Xuân Thuỷ", "phố Lạc Trung", "đường Ngọc Lâm", "phố Quang Trung",
           "phố Bà Triệu", "đường Kim Giang", "phố Khương Hạ", "đường Âu Cơ", "phố Ỷ Lan",
           "đường Nghi Tàm", "phố Yên Phụ", "đường Phạm Văn Đồng", "phố Định Công Thượng"]
# Provinces outside Hà Nội, old style (commune, district, province) and new style
# (commune, province after the merger).
PROVINCES_OLD = [
    ("xã Nghĩa Hưng", "huyện Nghĩa Hưng", "tỉnh Nam Định"),
    ("xã Hải Hậu", "huyện Hải Hậu", "tỉnh Nam Định"),
    ("xã Kim Bảng", "huyện Kim Bảng", "tỉnh Hà Nam"),
    ("xã Đông Hưng", "huyện Đông Hưng", "tỉnh Thái Bình"),
    ("xã Thanh Miện", "huyện Thanh Miện", "tỉnh Hải Dương"),
    ("xã Lục Ngạn", "huyện Lục Ngạn", "tỉnh Bắc Giang"),
    ("xã Tam Đảo", "huyện Tam Đảo", "tỉnh Vĩnh Phúc"),
    ("xã Lương Sơn", "huyện Lương Sơn", "tỉnh Hoà Bình"),
    ("xã Hậu Lộc", "huyện Hậu Lộc", "tỉnh Thanh Hoá"),
    ("xã Diễn Châu", "huyện Diễn Châu", "tỉnh Nghệ An"),
    ("xã Cẩm Xuyên", "huyện Cẩm Xuyên", "tỉnh Hà Tĩnh"),
    ("xã Lệ Thuỷ", "huyện Lệ Thuỷ", "tỉnh Quảng Bình"),
    ("xã Điện Bàn", "thị xã Điện Bàn", "tỉnh Quảng Nam"),
    ("xã Chợ Mới", "huyện Chợ Mới", "tỉnh Bắc Kạn"),
    ("xã Yên Minh", "huyện Yên Minh", "tỉnh Hà Giang"),
    ("xã Mỏ Cày", "huyện Mỏ Cày Nam", "tỉnh Bến Tre"),
]
PROVINCES_NEW = [
    ("xã Nghĩa Hưng", "tỉnh Ninh Bình"), ("xã Hải Hậu", "tỉnh Ninh Bình"),
    ("phường Phủ Lý", "tỉnh Ninh Bình"), ("xã Đông Hưng", "tỉnh Hưng Yên"),
    ("xã Thanh Miện", "thành phố Hải Phòng"), ("xã Lục Ngạn", "tỉnh Bắc Ninh"),
    ("xã Tam Đảo", "tỉnh Phú Thọ"), ("xã Lương Sơn", "tỉnh Phú Thọ"),
    ("xã Hậu Lộc", "tỉnh Thanh Hoá"), ("xã Diễn Châu", "tỉnh Nghệ An"),
    ("xã Cẩm Xuyên", "tỉnh Hà Tĩnh"), ("xã Lệ Thuỷ", "tỉnh Quảng Trị"),
    ("phường Điện Bàn", "thành phố Đà Nẵng"), ("xã Chợ Mới", "tỉnh Thái Nguyên"),
    ("xã Yên Minh", "tỉnh Tuyên Quang"), ("xã Mỏ Cày", "tỉnh Vĩnh Long"),
]
# Province codes of the personal identification number (province of birth registration).
PROVINCE_CODES = {"001": "Hà Nội", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
                  "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
                  "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
                  "037": "Ninh Bình", "038": "Thanh Hoá", "040": "Nghệ An", "042": "Hà Tĩnh",
                  "044": "Quảng Bình", "048": "Đà Nẵng", "079": "Hồ Chí Minh", "083": "Bến Tre"}
ETHNICITIES = ["Kinh"] * 8 + ["Tày", "Mường", "Thái", "Nùng", "Dao", "H'Mông", "Sán Dìu"]
RELIGIONS = ["Không"] * 6 + ["Phật giáo", "Công giáo", "Tin lành", "Cao Đài"]
OCCUPATIONS = ["Giáo viên", "Kỹ sư xây dựng", "Công nhân may", "Nhân viên văn phòng",
               "Buôn bán tự do", "Nông dân", "Bác sĩ", "Lái xe", "Kế toán", "Sinh viên",
               "Hưu trí", "Nội trợ", "Thợ điện", "Điều dưỡng", "Lập trình viên"]
MARITAL = ["Độc thân", "Đã kết hôn", "Đã ly hôn", "Góa"]
BIRTH_PLACES = ["Bệnh viện Phụ sản Hà Nội", "Bệnh viện Phụ sản Trung ương",
                "Bệnh viện Bạch Mai", "Bệnh viện Đa khoa Hà Đông",
                "Bệnh viện Đa khoa Xanh Pôn", "Trạm y tế xã Cổ Loa",
                "Bệnh viện Đa khoa huyện Sóc Sơn", "Bệnh viện Thanh Nhàn",
                "Bệnh viện Đa khoa Đức Giang", "Bệnh viện Hữu nghị Việt Nam - Cu Ba Đồng Hới"]
DEATH_CAUSES = ["Tuổi cao, sức yếu", "Bệnh tim mạch", "Đột quỵ", "Ung thư phổi",
                "Tai nạn giao thông", "Suy đa tạng", "Viêm phổi nặng", "Bệnh tuổi già",
                "Xơ gan", "Suy thận mạn"]
PARENT_REL = ["Mẹ đẻ", "Cha đẻ", "Bà nội", "Ông nội", "Bà ngoại", "Ông ngoại", "Cô ruột",
              "Chú ruột", "Dì ruột", "Người giám hộ"]
DEATH_REL = ["Con đẻ", "Vợ", "Chồng", "Con trai", "Con gái", "Cháu nội", "Anh ruột",
             "Em ruột", "Chị ruột", "Con dâu", "Con rể"]
HEAD_REL = ["Chủ hộ", "Vợ", "Chồng", "Con", "Con đẻ", "Mẹ", "Bố", "Cháu", "Em", "Con dâu",
            "Ở nhờ", "Người ở thuê"]
RESIDENCE_REQUESTS = [
    "Đăng ký thường trú vào hộ gia đình",
    "Đăng ký tạm trú tại chỗ ở hợp pháp",
    "Điều chỉnh thông tin về cư trú trong Cơ sở dữ liệu về cư trú",
    "Xoá đăng ký thường trú do đã chuyển đi nơi khác",
    "Gia hạn tạm trú thêm 24 tháng",
    "Tách hộ để đăng ký thường trú tại chỗ ở mới",
    "Khai báo tạm vắng từ ngày 01/12/2025",
    "Điều chỉnh ngày sinh trong sổ hộ khẩu theo giấy khai sinh",
]
POA_SCOPES = [
    "Nhận lương hưu hằng tháng thay tôi tại Bưu điện",
    "Làm thủ tục hưởng trợ cấp bảo hiểm xã hội một lần và nhận tiền thay tôi",
    "Nhận trợ cấp thất nghiệp thay tôi trong thời gian tôi điều trị tại bệnh viện",
    "Nộp hồ sơ, ký giấy tờ và nhận kết quả cấp lại sổ bảo hiểm xã hội",
    "Thay mặt tôi làm thủ tục đăng ký biến động đất đai và nhận giấy chứng nhận",
    "Nhận chế độ ốm đau, thai sản thay tôi",
    "Liên hệ cơ quan bảo hiểm xã hội để đối chiếu quá trình đóng và nhận kết quả",
]
POA_DURATIONS = ["Từ ngày 01/12/2025 đến ngày 30/11/2026", "06 tháng kể từ ngày ký",
                 "12 tháng", "Đến khi hoàn thành công việc được ủy quyền",
                 "Từ tháng 01/2026 đến hết tháng 12/2026", "03 tháng"]
COMPLAINT_TARGETS = ["Ủy ban nhân dân phường Hoàng Mai", "Chủ tịch Ủy ban nhân dân xã Sóc Sơn",
                     "Phòng Quản lý đô thị phường Thanh Xuân", "Công an phường Đống Đa",
                     "Đội Thanh tra trật tự xây dựng phường Long Biên",
                     "Ông Trần Văn Khải, cán bộ địa chính xã Đông Anh",
                     "Văn phòng Đăng ký đất đai Hà Nội - Chi nhánh Gia Lâm"]
LAND_PURPOSES = ["Xây dựng nhà ở", "Trồng cây lâu năm", "Nuôi trồng thuỷ sản",
                 "Làm nhà xưởng sản xuất", "Xây dựng cửa hàng kinh doanh dịch vụ",
                 "Chuyển từ đất trồng lúa sang đất ở", "Làm kho chứa nông sản",
                 "Trồng rau an toàn"]
LAND_TERMS = ["Lâu dài", "50 năm", "20 năm", "30 năm kể từ ngày có quyết định",
              "Đến hết năm 2045", "05 năm"]
EMPLOYERS = ["Công ty TNHH May mặc Thành Công", "Công ty Cổ phần Xây lắp Điện Hà Nội",
             "Công ty TNHH Điện tử Quang Minh", "Công ty Cổ phần Thực phẩm Hữu Nghị",
             "Trường Mầm non tư thục Hoa Sen", "Công ty TNHH Dịch vụ Bảo vệ Long Hải",
             "Chi nhánh Công ty Cổ phần Thương mại Ứng Hoà",
             "Công ty TNHH Một thành viên Cơ khí Đông Anh"]
BANKS = ["Vietcombank chi nhánh Thăng Long", "BIDV chi nhánh Hà Thành",
         "Agribank chi nhánh Đông Anh", "VietinBank chi nhánh Đống Đa",
         "Techcombank Hội sở", "MB chi nhánh Cầu Giấy"]
EMPLOYMENT_CENTERS = ["Trung tâm Dịch vụ việc làm Hà Nội",
                      "Trung tâm Dịch vụ việc làm Hà Nội - Chi nhánh Hà Đông",
                      "Trung tâm Dịch vụ việc làm Hà Nội - Điểm tiếp nhận Sóc Sơn"]
PROCEDURES = ["Đăng ký khai sinh", "Đăng ký khai tử", "Đăng ký nhận cha, mẹ, con",
              "Đăng ký thường trú", "Cấp đổi thẻ Căn cước", "Cấp hộ chiếu phổ thông",
              "Giải quyết hưởng trợ cấp thất nghiệp", "Chứng thực chữ ký trong giấy ủy quyền",
              "Giao đất, cho thuê đất", "Tiếp nhận đơn khiếu nại",
              "Cấp bản sao trích lục hộ tịch", "Đăng ký kết hôn"]
PHONE_PREFIXES = ["086", "096", "097", "098", "032", "033", "035", "038", "088", "091",
                  "094", "083", "085", "089", "090", "093", "070", "077", "079", "056",
                  "058", "059"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com.vn", "outlook.com", "hanoi.gov.vn", "fpt.vn"]
SEAL_PRINTED = "Ủy ban nhân dân"


def fold(text: str) -> str:
    """ASCII letters for e-mail handles."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class Person:
    name: str
    gender: str  # "Nam" or "Nữ"
    birth: dt.date
    id_number: str
    province_code: str

    @property
    def upper_name(self) -> str:
        return self.name.upper()


def person_name(rng: random.Random, gender: str) -> str:
    surname = rng.choice(SURNAMES)
    if gender == "Nam":
        middle = rng.sample(MIDDLE_MALE, rng.choice([1, 1, 2]))
        given = rng.choice(GIVEN_MALE)
    else:
        middle = rng.sample(MIDDLE_FEMALE, rng.choice([1, 1, 2]))
        given = rng.choice(GIVEN_FEMALE)
    return nfc(" ".join([surname, *middle, given]))


def id_number(rng: random.Random, gender: str, birth: dt.date, province: str | None = None) -> str:
    """A 12-digit personal identification number with the real structure."""
    province = province or rng.choice(["001"] * 5 + list(PROVINCE_CODES))
    century = 0 if birth.year < 2000 else 2
    digit = century + (0 if gender == "Nam" else 1)
    return f"{province}{digit}{birth.year % 100:02d}{rng.randrange(10**6):06d}"


def id_number_is_valid(number: str, gender: str | None = None,
                       birth: dt.date | None = None) -> bool:
    """Structure check (used by the tests): 12 digits, a known province, the century/gender
    digit and birth year agreeing with the holder where given."""
    if len(number) != 12 or not number.isdigit() or number[:3] not in PROVINCE_CODES:
        return False
    digit = int(number[3])
    if digit > 3:
        return False
    if gender is not None and (digit % 2 == 1) != (gender == "Nữ"):
        return False
    if birth is not None:
        if (digit >= 2) != (birth.year >= 2000) or number[4:6] != f"{birth.year % 100:02d}":
            return False
    return True


def date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def person(rng: random.Random, born_from: int = 1950, born_to: int = 2004,
           gender: str | None = None) -> Person:
    gender = gender or rng.choice(["Nam", "Nữ"])
    birth = date_between(rng, dt.date(born_from, 1, 1), dt.date(born_to, 12, 28))
    return Person(person_name(rng, gender), gender, birth, id_number(rng, gender, birth), "")


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"


def phone_printed(rng: random.Random, digits: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
    if style == 3:
        return f"+84 {digits[1:4]} {digits[4:7]} {digits[7:]}"
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def email(rng: random.Random, name: str, birth: dt.date) -> str:
    parts = fold(name).lower().split()
    handle = rng.choice([parts[-1] + "." + parts[0], parts[-1] + "".join(p[0] for p in parts[:-1]),
                         "".join(parts)])
    return f"{handle}{rng.choice(['', str(birth.year), f'{birth.year % 100:02d}'])}" \
           f"@{rng.choice(EMAIL_DOMAINS)}"


def hanoi_address(rng: random.Random, new_style: bool | None = None) -> str:
    number = rng.choice([f"Số {rng.randint(1, 199)}", f"Số {rng.randint(1, 99)} ngõ "
                         f"{rng.randint(2, 300)}", f"Nhà {rng.randint(1, 60)} ngách "
                         f"{rng.randint(2, 90)}/{rng.randint(2, 40)}"])
    street = rng.choice(STREETS)
    if new_style is None:
        new_style = rng.random() < 0.5
    if new_style:
        return nfc(f"{number} {street}, {rng.choice(HANOI_NEW_WARDS)}, thành phố Hà Nội")
    district, wards = rng.choice(HANOI_OLD)
    return nfc(f"{number} {street}, {rng.choice(wards)}, {district}, thành phố Hà Nội")


def rural_address(rng: random.Random, new_style: bool | None = None) -> str:
    hamlet = rng.choice(["thôn Đông", "thôn Thượng", "xóm 3", "xóm Chùa", "thôn Hạ",
                         "tổ dân phố số 5", "ấp Phú Lợi", "thôn Trung Hoà"])
    if new_style is None:
        new_style = rng.random() < 0.5
    if new_style:
        commune, province = rng.choice(PROVINCES_NEW)
        return nfc(f"{hamlet}, {commune}, {province}")
    commune, district, province = rng.choice(PROVINCES_OLD)
    return nfc(f"{hamlet}, {commune}, {district}, {province}")


def hometown(rng: random.Random) -> str:
    if rng.random() < 0.5:
        commune, district, province = rng.choice(PROVINCES_OLD)
        return nfc(f"{commune}, {district}, {province}")
    commune, province = rng.choice(PROVINCES_NEW)
    return nfc(f"{commune}, {province}")


def address(rng: random.Random) -> str:
    return hanoi_address(rng) if rng.random() < 0.75 else rural_address(rng)


def receiver(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return nfc("Ủy ban nhân dân " + rng.choice(HANOI_NEW_WARDS))
    district, wards = rng.choice(HANOI_OLD)
    return nfc(f"Ủy ban nhân dân {rng.choice(wards)}, {district}")


def dossier_code(rng: random.Random, received: dt.date) -> str:
    agency = f"000.00.{rng.randint(1, 30):02d}.H26"
    return f"{agency}-{received:%y%m%d}-{rng.randint(1, 9999):04d}"


def digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(n - 1))


def number_words(n: int) -> str:
    """Vietnamese words for a day or year (the 'ghi bằng chữ' line), small and plain."""
    units = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]

    def two(x: int) -> str:
        if x < 10:
            return units[x]
        tens, unit = divmod(x, 10)
        head = "mười" if tens == 1 else units[tens] + " mươi"
        if unit == 0:
            return head
        tail = {1: "mốt" if tens > 1 else "một", 5: "lăm"}.get(unit, units[unit])
        return f"{head} {tail}"

    if n < 100:
        return two(n)
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    words = [f"{units[thousands]} nghìn"] if thousands else []
    if hundreds or (thousands and rest):
        words.append(f"{units[hundreds]} trăm")
    if rest:
        words.append(("linh " + units[rest]) if rest < 10 and words else two(rest))
    return " ".join(words)
