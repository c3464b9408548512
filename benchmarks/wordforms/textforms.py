"""The official text templates (`vn-forms/templates/*.txt`) as Word documents a clerk filled in.

The word-forms set's third renderer, for the eight contract types that have no Word template
here: each template line becomes a paragraph in an office font (Times New Roman / Arial, as
LibreOffice substitutes them), every `..........` blank becomes a dot leader (to the end of the
line when it ends the line), and the blanks of the contract's fields, plus most of the others,
are typed over by the clerk in the document's value font, sometimes leaving the last dots.
LibreOffice then lays the page out (its own wrapping of long values), as for the Word templates.

Line rules are written here from reading each template: `(pattern, values)` takes the next
template line matching `pattern` and fills its blanks in order (`None` leaves the dots). Values
come from `values.py` and the small lists below, written for this set.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import ImageFont

try:
    from . import values as V
except ImportError:  # run as a script from build.py's folder
    import values as V  # type: ignore[no-redef]

TEXT_DIR = Path("/work/shared/realdata/vn-forms/templates")
TEXT_TEMPLATES = {
    "t-birth": ("11_dang_ky_khai_sinh.txt", "birth_registration"),
    "t-death": ("56_TK_DK_khai_tu.txt", "death_registration"),
    "t-recognition": ("57_TK_DK_nhan_CMC.txt", "parent_child_recognition"),
    "t-attorney": ("38_giay_uy_quyen.txt", "power_of_attorney"),
    "t-complaint": ("26_don_khieu_nai.txt", "complaint"),
    "t-land": ("30_don_xin_giao_dat.txt", "land_allocation_request"),
    "t-passport": ("51_TK_cap_ho_chieu_tre_em.txt", "child_passport_application"),
    "t-unemployment": ("18_de_nghi_huong_tro_cap_that_nghiep.txt",
                       "unemployment_benefit_request"),
}
# The form's own font (offices print these; LibreOffice draws Liberation in their metrics).
FORM_FONTS = [("Times New Roman", "LiberationSerif-Regular.ttf"),
              ("Times New Roman", "LiberationSerif-Regular.ttf"),
              ("Arial", "LiberationSans-Regular.ttf")]
FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
BLANK = re.compile(r"\.{4,}|…{2,}")
PAGE_TEXT_CM = 21.0 - 3.0 - 2.0  # A4, left 3 cm, right 2 cm (the decree's margins)

RELATIONS_CHILD = ["Cha", "Mẹ", "Cha đẻ", "Mẹ đẻ", "Ông nội", "Bà nội", "Ông ngoại", "Bà ngoại",
                   "Bác ruột", "Cô ruột"]
RELATIONS_DEAD = ["Con", "Con trai", "Con gái", "Vợ", "Chồng", "Em ruột", "Anh ruột", "Cháu nội",
                  "Con dâu"]
RELATIONS_RECOGNITION = ["Cha", "Mẹ", "Con", "Cha đẻ", "Mẹ đẻ"]
BIRTH_PLACES = ["Bệnh viện Phụ sản Hà Nội", "Bệnh viện Phụ sản Trung ương",
                "Bệnh viện Đa khoa Hà Đông", "Trạm y tế xã Vân Canh", "Bệnh viện Bạch Mai",
                "Bệnh viện Đa khoa tỉnh Bắc Ninh", "Nhà hộ sinh Đống Đa"]
DEATH_CAUSES = ["Già yếu", "Bệnh tim mạch", "Ung thư phổi", "Tai nạn giao thông",
                "Đột quỵ", "Suy thận mạn", "Xuất huyết não", "Bệnh tuổi già",
                "Nhồi máu cơ tim cấp"]
ROLES = ["cán bộ địa chính", "Chủ tịch Ủy ban nhân dân", "cán bộ tư pháp - hộ tịch",
         "Trưởng Công an", "cán bộ phụ trách xây dựng", "Phó Chủ tịch Ủy ban nhân dân"]
SCOPES = [
    "Nhận thay lương hưu và trợ cấp bảo hiểm xã hội hằng tháng",
    "Nhận thay trợ cấp bảo hiểm xã hội một lần tại cơ quan bảo hiểm xã hội",
    "Làm thủ tục và nhận kết quả cấp lại sổ bảo hiểm xã hội",
    "Nhận thay chế độ ốm đau, thai sản và các giấy tờ liên quan",
    "Ký các giấy tờ và nhận tiền trợ cấp tuất một lần",
]
DURATIONS = ["12 tháng", "Từ ngày 01/01/2026 đến ngày 31/12/2026", "06 tháng kể từ ngày ký",
             "24 tháng", "Đến khi hoàn thành công việc được ủy quyền"]
BENEFITS = ["Lương hưu", "Trợ cấp bảo hiểm xã hội hằng tháng", "Trợ cấp tuất hằng tháng",
            "Trợ cấp tai nạn lao động"]
LAND_PURPOSES = ["Xây dựng nhà ở", "Trồng cây lâu năm", "Sản xuất kinh doanh",
                 "Xây dựng cơ sở sản xuất phi nông nghiệp", "Nuôi trồng thủy sản",
                 "Làm nhà xưởng"]
LAND_TERMS = ["Lâu dài", "50 năm", "20 năm", "Đến ngày 31/12/2070", "30 năm"]
LAND_TITLES = ["XIN GIAO ĐẤT", "XIN THUÊ ĐẤT", "XIN CHUYỂN MỤC ĐÍCH SỬ DỤNG ĐẤT"]
EMPLOYERS = ["Công ty TNHH Một thành viên Thương mại Ánh Dương",
             "Công ty Cổ phần Xây dựng Sông Hồng", "Công ty TNHH May Thăng Long",
             "Công ty Cổ phần Dịch vụ Kỹ thuật Hà Thành", "Ngân hàng TMCP Đông Nam",
             "Trường Mầm non tư thục Hoa Sen", "Công ty TNHH Điện tử Quang Minh"]
BANKS = ["Vietcombank chi nhánh Thành Công", "BIDV chi nhánh Đống Đa",
         "Agribank chi nhánh Tây Hồ", "VietinBank chi nhánh Hoàn Kiếm", "Techcombank"]
ISSUERS = ["Cục Cảnh sát QLHC về TTXH", "Bộ Công an", "Công an Thành phố Hà Nội"]
TERMINATION_REASONS = ["Hết hạn hợp đồng", "Đơn phương chấm dứt hợp đồng",
                       "Công ty cắt giảm lao động"]
CONTRACT_KINDS = ["Hợp đồng lao động xác định thời hạn 36 tháng",
                  "Hợp đồng lao động không xác định thời hạn", "Hợp đồng làm việc"]
PASSPORT_REQUESTS = ["Cấp hộ chiếu lần đầu", "Cấp hộ chiếu phổ thông lần đầu cho con",
                     "Cấp lại hộ chiếu do hết hạn"]


def _date_parts(day: dt.date) -> list[str]:
    return list(V.date_dmy(day))


def _slash(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _name(rng: random.Random, name: str) -> str:
    """Typed in capitals as the forms ask (ghi chữ in hoa), by most clerks."""
    return name.upper() if rng.random() < 0.6 else name


def _person(rng: random.Random, lo: int, hi: int, gender: str | None = None) -> dict:
    gender = gender or ("Nam" if rng.random() < 0.5 else "Nữ")
    born = V.birth_date(rng, lo, hi)
    return {"name": V.person_name(rng, gender), "gender": gender, "born": born,
            "id": V.id_number(rng, born, gender)}


def _id_paper(rng: random.Random, p: dict) -> str:
    """How an ID paper is written on a civil-status form."""
    issued = _slash(V.recent_date(rng) - dt.timedelta(days=rng.randint(400, 3000)))
    return rng.choice([f"CCCD số {p['id']}", f"Căn cước công dân số {p['id']}, cấp ngày {issued}",
                       f"Thẻ căn cước số {p['id']}", f"CCCD số {p['id']} cấp ngày {issued}"])


def _receiver(rng: random.Random, head: str = "Ủy ban nhân dân") -> str:
    return f"{head} {V.receiver_unit(rng)}"


def _signed_place(rng: random.Random) -> str:
    return rng.choice(["Hà Nội", "Hà Nội", V.receiver_unit(rng).split(" ", 1)[1]])


# ---------------------------------------------------------------- one function per template


def birth(rng: random.Random):
    me = _person(rng, 1975, 2000)
    child = _person(rng, 2024, 2026)
    child["born"] = V.recent_date(rng) - dt.timedelta(days=rng.randint(3, 50))
    mother = _person(rng, 1980, 2002, "Nữ")
    father = _person(rng, 1975, 2000, "Nam")
    rel = rng.choice(RELATIONS_CHILD)
    receiver = _receiver(rng)
    residence = V.address(rng, hanoi=0.85)
    place = f"{rng.choice(BIRTH_PLACES)}, {V.hometown(rng)}" if rng.random() < 0.5 \
        else rng.choice(BIRTH_PLACES)
    signed, place_signed = V.recent_date(rng), _signed_place(rng)
    eth, nat = rng.choice(V.ETHNICITIES), "Việt Nam"
    rules = [
        (r"^Kính gửi", [receiver]),
        (r"tên người yêu cầu", [_name(rng, me["name"])]),
        (r"^Nơi cư trú", [residence]),
        (r"^Giấy tờ tùy thân", [_id_paper(rng, me)]),
        (r"^Quan hệ với", [rel]),
        (r"^Họ, chữ đệm, tên:", [_name(rng, child["name"])]),
        (r"^Ngày, tháng, năm sinh", [_slash(child["born"]), None]),
        (r"^Giới tính", [child["gender"], eth, nat]),
        (r"^Nơi sinh", [place]),
        (r"^Quê quán", [V.hometown(rng)]),
        (r"tên người mẹ", [_name(rng, mother["name"])]),
        (r"^Năm sinh", [str(mother["born"].year), eth, nat]),
        (r"^Nơi cư trú", [residence]),
        (r"tên người cha", [_name(rng, father["name"])]),
        (r"^Năm sinh", [str(father["born"].year), eth, nat]),
        (r"^Nơi cư trú", [residence]),
        (r"^Làm tại", [place_signed, *_date_parts(signed)]),
    ]
    truth = {"receiver": receiver, "requester_name": me["name"],
             "requester_residence": residence, "requester_id_number": me["id"],
             "relationship": rel, "child_name": child["name"],
             "child_birth_date": child["born"].isoformat(), "child_gender": child["gender"],
             "child_ethnicity": eth, "child_nationality": nat, "child_birth_place": place,
             "mother_name": mother["name"], "father_name": father["name"],
             "signed_place": place_signed, "signed_date": signed.isoformat()}
    return rules, truth


def death(rng: random.Random):
    me = _person(rng, 1955, 2000)
    dead = _person(rng, 1925, 1965)
    died = V.recent_date(rng) - dt.timedelta(days=rng.randint(2, 40))
    signed = died + dt.timedelta(days=rng.randint(1, 20))
    rel = rng.choice(RELATIONS_DEAD)
    receiver = _receiver(rng)
    where = rng.choice([V.address(rng, hanoi=0.9), f"{rng.choice(V.CLINICS)}, Hà Nội"])
    cause = rng.choice(DEATH_CAUSES)
    hour, minute = f"{rng.randint(0, 23):02d}", f"{rng.randint(0, 59):02d}"
    rules = [
        (r"^Kính gửi", [receiver]),
        (r"tên người yêu cầu", [_name(rng, me["name"])]),
        (r"^Ngày, tháng, năm sinh", [_slash(me["born"])]),
        (r"^Nơi cư trú", [V.address(rng)]),
        (r"^Giấy tờ tùy thân", [_id_paper(rng, me)]),
        (r"^Quan hệ với", [rel]),
        (r"^Họ, chữ đệm, tên:", [_name(rng, dead["name"])]),
        (r"^Ngày, tháng, năm sinh", [_slash(dead["born"])]),
        (r"^Giới tính", [dead["gender"], rng.choice(V.ETHNICITIES), "Việt Nam"]),
        (r"^Nơi cư trú cuối", [V.address(rng)]),
        (r"^Giấy tờ tùy thân", [_id_paper(rng, dead)]),
        (r"^Đã chết vào lúc", [hour, minute, *_date_parts(died)]),
        (r"^Nơi chết", [where]),
        (r"^Nguyên nhân chết", [cause]),
        (r"^Số Giấy báo tử", [f"{rng.randint(1, 999)}/GBT", rng.choice(V.CLINICS),
                              *_date_parts(died + dt.timedelta(days=1))]),
        (r"^Làm tại", [_signed_place(rng), *_date_parts(signed)]),
    ]
    truth = {"receiver": receiver, "requester_name": me["name"],
             "requester_birth_date": me["born"].isoformat(), "requester_id_number": me["id"],
             "relationship": rel, "deceased_name": dead["name"],
             "deceased_birth_date": dead["born"].isoformat(), "deceased_gender": dead["gender"],
             "death_date": died.isoformat(), "death_place": where, "death_cause": cause,
             "signed_date": signed.isoformat()}
    return rules, truth


def recognition(rng: random.Random):
    me = _person(rng, 1970, 2000)
    parent = me if rng.random() < 0.7 else _person(rng, 1960, 1995)
    child = _person(rng, 2005, 2024)
    rel = rng.choice(RELATIONS_RECOGNITION)
    receiver = _receiver(rng)
    signed = V.recent_date(rng)
    addr = V.address(rng, hanoi=0.9)
    rules = [
        (r"^Kính gửi", [receiver]),
        (r"tên người yêu cầu", [_name(rng, me["name"])]),
        (r"^Ngày, tháng, năm sinh", [_slash(me["born"])]),
        (r"^Nơi cư trú", [addr]),
        (r"^Giấy", [_id_paper(rng, me)]),
        (r"^Quan hệ với", [rel]),
        (r"^Họ, chữ đệm, tên", [_name(rng, parent["name"])]),
        (r"^Ngày, tháng, năm sinh", [_slash(parent["born"])]),
        (r"^Giới tính", [parent["gender"], "Kinh", "Việt Nam"]),
        (r"^Nơi cư trú", [addr]),
        (r"^Giấy", [_id_paper(rng, parent)]),
        (r"^Là ", ["cha" if parent["gender"] == "Nam" else "mẹ"]),
        (r"^Họ, chữ đệm, tên", [_name(rng, child["name"])]),
        (r"^Ngày, tháng, năm sinh", [_slash(child["born"])]),
        (r"^Giới tính", [child["gender"], "Kinh", "Việt Nam"]),
        (r"^Nơi cư trú", [addr]),
        (r"^Tôi cam đoan việc nhận", ["con" if rng.random() < 0.5 else "cha, con"]),
        (r"^Làm tại", [_signed_place(rng) + ",", *_date_parts(signed)]),
    ]
    truth = {"receiver": receiver, "requester_name": me["name"],
             "requester_birth_date": me["born"].isoformat(), "requester_id_number": me["id"],
             "recognized_name": parent["name"],
             "recognized_birth_date": parent["born"].isoformat(),
             "other_party_name": child["name"], "signed_date": signed.isoformat()}
    return rules, truth


def attorney(rng: random.Random):
    a, b = _person(rng, 1935, 1965), _person(rng, 1965, 2000)
    pa, pb = V.phone(rng), V.phone(rng)
    scope, duration = rng.choice(SCOPES), rng.choice(DURATIONS)
    signed = V.recent_date(rng)
    issued = [V.recent_date(rng) - dt.timedelta(days=rng.randint(300, 3000)) for _ in range(2)]
    rules = [
        (r"^Họ và tên", [_name(rng, a["name"]), *_date_parts(a["born"])]),
        (r"^Mã số BHXH", [f"01{rng.randint(0, 99999999):08d}"]),
        (r"^Loại chế độ", [rng.choice(BENEFITS)]),
        (r"^Số điện thoại liên hệ", [V.phone_printed(rng, pa)]),
        (r"^Số CMND", [a["id"], rng.choice(ISSUERS)]),
        (r"^cấp ngày", _date_parts(issued[0])),
        (r"^Nơi cư trú", [V.address(rng)]),
        (r"^Họ và tên", [_name(rng, b["name"]), *_date_parts(b["born"])]),
        (r"^Số CMND", [b["id"], rng.choice(ISSUERS)]),
        (r"^cấp ngày", _date_parts(issued[1])),
        (r"^Nơi cư trú", [V.address(rng)]),
        (r"^Số điện thoại", [V.phone_printed(rng, pb)]),
        (r"^$", [scope]),  # the content's blank is a line of its own
        (r"^IV", [duration]),
        (r"^, ngày", [_signed_place(rng), *_date_parts(signed)]),
    ]
    truth = {"grantor_name": a["name"], "grantor_birth_date": a["born"].isoformat(),
             "grantor_id_number": a["id"], "grantor_phone": pa, "grantee_name": b["name"],
             "grantee_birth_date": b["born"].isoformat(), "grantee_id_number": b["id"],
             "grantee_phone": pb, "scope": scope, "duration": duration,
             "signed_date": signed.isoformat()}
    return rules, truth


def complaint(rng: random.Random):
    me = _person(rng, 1950, 2002)
    target = _person(rng, 1960, 1995)
    honor = "Ông" if target["gender"] == "Nam" else "Bà"
    unit = V.receiver_unit(rng)
    respondent = rng.choice([
        f"{honor} {target['name']}, {rng.choice(ROLES)} {unit}",
        f"Ủy ban nhân dân {unit}",
        f"{honor} {target['name']}",
    ])
    receiver = rng.choice([f"Chủ tịch Ủy ban nhân dân {unit}", f"Ủy ban nhân dân {unit}",
                           f"Thanh tra {unit}"])
    signed, place = V.recent_date(rng), _signed_place(rng)
    issued = V.recent_date(rng) - dt.timedelta(days=rng.randint(300, 3000))
    addr = V.address(rng, hanoi=0.9)
    rules = [
        (r"^, ngày", [place, *_date_parts(signed)]),
        (r"^Kính gửi", [receiver]),
        (r"^Tên tôi là", [_name(rng, me["name"]), *_date_parts(me["born"])]),
        (r"^Thường trú", [addr]),
        (r"^Số CMND", [me["id"]]),
        (r"^Ngày và nơi cấp", [f"{_slash(issued)}, {rng.choice(ISSUERS)}"]),
        (r"^Hiện đang", [rng.choice(V.OCCUPATIONS)]),
        (r"^Khiếu nại về", [respondent]),
        (r"^Mong quý", ["tôi"]),
    ]
    truth = {"receiver": receiver, "complainant_name": me["name"],
             "complainant_birth_date": me["born"].isoformat(),
             "complainant_address": addr, "complainant_id_number": me["id"],
             "respondent_name": respondent, "signed_place": place,
             "signed_date": signed.isoformat()}
    return rules, truth


def land(rng: random.Random):
    me = _person(rng, 1950, 1995)
    receiver = _receiver(rng)
    addr = V.address(rng, hanoi=0.8)
    where = V.address(rng, hanoi=0.7)
    whole = rng.random() < 0.5
    area = rng.randint(60, 2000) if whole else round(rng.uniform(50, 900), 1)
    printed_area = str(area) if whole else f"{area:.1f}".replace(".", ",")
    if whole and area >= 1000 and rng.random() < 0.5:
        printed_area = f"{area // 1000}.{area % 1000:03d}"
    purpose, term = rng.choice(LAND_PURPOSES), rng.choice(LAND_TERMS)
    signed = V.recent_date(rng)
    rules = [
        (r"^, ngày", [_signed_place(rng), *_date_parts(signed)]),
        (r"^ĐƠN", [rng.choice(LAND_TITLES)]),
        (r"^Kính gửi", [receiver.removeprefix("Ủy ban nhân dân ")]),
        (r"^1\. Người xin", [_name(rng, me["name"])]),
        (r"^2\. Địa chỉ", [addr]),
        (r"^3\. Địa chỉ", [addr]),
        (r"^4\. Địa điểm", [where]),
        (r"^5\. Diện tích", [printed_area]),
        (r"^6\. Để sử dụng", [purpose]),
        (r"^7\. Thời hạn", [term]),
    ]
    truth = {"receiver": receiver, "applicant_name": me["name"], "applicant_address": addr,
             "land_location": where, "land_area_m2": area, "land_purpose": purpose,
             "land_term": term, "signed_date": signed.isoformat()}
    return rules, truth


def passport(rng: random.Random):
    g = _person(rng, 1975, 1998)
    child = _person(rng, 2013, 2025)
    other = _person(rng, 1975, 1998, "Nữ" if g["gender"] == "Nam" else "Nam")
    father, mother = (g, other) if g["gender"] == "Nam" else (other, g)
    phone = V.phone(rng)
    signed = V.recent_date(rng)
    issued = V.recent_date(rng) - dt.timedelta(days=rng.randint(300, 3000))
    surname, rest = child["name"].split(" ", 1)
    if rng.random() < 0.6:
        surname, rest = surname.upper(), rest.upper()
    addr = V.address(rng, hanoi=0.9)
    rules = [
        (r"^1\. Họ và tên", [_name(rng, g["name"])]),
        (r"^2\. Sinh ngày", [*_date_parts(g["born"]), g["gender"]]),
        (r"^4\. Số CCCD", [g["id"], *_date_parts(issued)]),
        (r"^5\. Địa chỉ", [addr]),
        (r"^6\. Số điện thoại", [V.phone_printed(rng, phone)]),
        (r"^7\. Quan hệ", ["Cha" if g is father else "Mẹ"]),
        (r"^1\. Họ ", [surname, rest, child["gender"]]),
        (r"^3\. Sinh ngày", [*_date_parts(child["born"]), "Hà Nội"]),
        (r"^4\. Số định danh", [child["id"]]),
        (r"^5\. Quốc tịch", ["Việt Nam", "Kinh", "Không"]),
        (r"^8\. Địa chỉ", [addr]),
        (r"^10\. Cha", [_name(rng, father["name"]), *_date_parts(father["born"])]),
        (r"^Mẹ", [_name(rng, mother["name"]), *_date_parts(mother["born"])]),
        (r"^12\. Nội dung", [rng.choice(PASSPORT_REQUESTS)]),
        (r"^, ngày", [_signed_place(rng), *_date_parts(signed)]),
    ]
    truth = {"guardian_name": g["name"], "guardian_birth_date": g["born"].isoformat(),
             "guardian_id_number": g["id"], "guardian_phone": phone,
             "child_name": child["name"], "child_gender": child["gender"],
             "child_birth_date": child["born"].isoformat(), "child_id_number": child["id"],
             "father_name": father["name"], "mother_name": mother["name"],
             "signed_date": signed.isoformat()}
    return rules, truth


def unemployment(rng: random.Random):
    me = _person(rng, 1965, 2003)
    centre = rng.choice(V.JOB_CENTRES)
    insurance = f"{rng.choice(['01', '79', '27', '31'])}{rng.randint(0, 99999999):08d}"
    phone = V.phone(rng)
    email = V.email(rng, me["name"], me["born"]) if rng.random() < 0.7 else None
    account = str(rng.randint(10 ** 9, 10 ** 13 - 1))
    employer = rng.choice(EMPLOYERS)
    ended = V.recent_date(rng) - dt.timedelta(days=rng.randint(10, 80))
    months = rng.randint(12, 180)
    signed = ended + dt.timedelta(days=rng.randint(5, 60))
    issued = V.recent_date(rng) - dt.timedelta(days=rng.randint(300, 3000))
    rules = [
        (r"^Kính gửi", [centre]),
        (r"^Tên tôi là", [_name(rng, me["name"]), *_date_parts(me["born"])]),
        (r"^Số định danh", [me["id"], *_date_parts(issued), rng.choice(ISSUERS)]),
        (r"^Số sổ BHXH", [insurance]),
        (r"^Số điện thoại", [V.phone_printed(rng, phone), email]),
        (r"^Số tài khoản", [account, rng.choice(BANKS)]),
        (r"^Trình độ", [rng.choice(V.EDUCATION)]),
        (r"^Ngành nghề", [rng.choice(["Kế toán", "Cơ khí", "Quản trị kinh doanh", "Điện"])]),
        (r"^Chỗ ở", [V.address(rng)]),
        (r"^Ngày", [*_date_parts(ended), employer]),
        (r"^tại địa chỉ", [V.address(rng)]),
        (r"^Lý do", [rng.choice(TERMINATION_REASONS)]),
        (r"^Loại hợp đồng", [rng.choice(CONTRACT_KINDS)]),
        (r"^Số tháng", [str(months)]),
        (r"^Nơi đề nghị", [rng.choice(["Qua thẻ ATM", "BHXH quận Cầu Giấy"])]),
        (r"^, ngày", [_signed_place(rng), *_date_parts(signed)]),
    ]
    truth = {"receiver": f"Trung tâm Dịch vụ việc làm {centre}", "applicant_name": me["name"],
             "applicant_birth_date": me["born"].isoformat(), "applicant_id_number": me["id"],
             "social_insurance_number": insurance, "phone": phone, "email": email,
             "bank_account_number": account, "employer_name": employer,
             "termination_date": ended.isoformat(), "insured_months": months,
             "signed_date": signed.isoformat()}
    return rules, truth


FILLS = {"t-birth": birth, "t-death": death, "t-recognition": recognition,
         "t-attorney": attorney, "t-complaint": complaint, "t-land": land,
         "t-passport": passport, "t-unemployment": unemployment}


# ---------------------------------------------------------------- the document


def _lines(key: str) -> list[str]:
    text = V.nfc((TEXT_DIR / TEXT_TEMPLATES[key][0]).read_text(encoding="utf-8"))
    out = []
    for raw in text.splitlines():
        line = re.sub(r"[ \t]+", " ", raw).strip()
        out.append(line)
    # no run of empty lines longer than one, none at the end
    kept: list[str] = []
    for line in out:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return kept


def _assign(lines: list[str], rules) -> list[list[str | None]]:
    """Per line, the value of each of its blanks (rules taken in order, each once)."""
    fills: list[list[str | None]] = [[None] * len(BLANK.findall(ln)) for ln in lines]
    at = 0
    for pattern, vals in rules:
        rx = re.compile(pattern)
        for i in range(at, len(lines)):
            bare = BLANK.sub("", lines[i]).strip()
            if fills[i] and rx.search(bare) and all(v is None for v in fills[i]):
                fills[i] = (list(vals) + [None] * len(fills[i]))[: len(fills[i])]
                at = i + 1
                break
        else:
            raise LookupError(f"no line for {pattern!r}")
    return fills


def make(key: str, rng: random.Random, clerk_font: str | None) -> tuple[object, dict]:
    """A filled Word document of template `key`, and its truth."""
    lines = _lines(key)
    rules, truth = FILLS[key](rng)
    fills = _assign(lines, rules)
    form_font, font_file = rng.choice(FORM_FONTS)
    size = rng.choice([12.0, 13.0, 13.0, 14.0])
    metric = ImageFont.truetype(str(FONT_DIR / font_file), int(size * 10))
    width_pt = PAGE_TEXT_CM / 2.54 * 72 * 10  # in tenths of a point, the metric's unit
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin, sec.right_margin = Cm(3.0), Cm(2.0)
    sec.top_margin = sec.bottom_margin = Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = form_font, Pt(size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), form_font)
    normal.paragraph_format.space_after = Pt(rng.choice([0, 2, 4]))
    normal.paragraph_format.line_spacing = rng.choice([1.0, 1.15, 1.3])
    title_done = False
    for li, line in enumerate(lines):
        par = doc.add_paragraph()
        letters = [c for c in BLANK.sub("", line) if c.isalpha()]
        upper = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)
        if li < 2 or (upper and not title_done and li < 8) or line.startswith("Độc lập"):
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if upper and li >= 2:
                title_done = True
        elif line.startswith(("Người ", "(Ký", "Chứng thực", "của người")) or (
                BLANK.match(line) and ", ngày" in line):
            par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        pieces = BLANK.split(line)
        used = 0.0
        for bi, text in enumerate(pieces):
            if text:
                run = par.add_run(text)
                run.bold = par.alignment == WD_ALIGN_PARAGRAPH.CENTER and upper
                used += metric.getlength(text)
            if bi == len(pieces) - 1:
                break
            value = fills[li][bi]
            last = bi == len(pieces) - 2 and not pieces[-1].strip()
            if last and par.alignment is None:
                # to the end of the line (of the wrapped line, when the text took more)
                n_dots = int((width_pt - used % width_pt) * 0.92 / metric.getlength("."))
                n_dots = max(n_dots, 8)
            else:
                n_dots = rng.randint(8, 14)
            if value is None:
                run = par.add_run("." * n_dots)
                used += metric.getlength("." * n_dots)
                continue
            keep = rng.randint(3, max(3, n_dots // 3)) if rng.random() < 0.3 and n_dots > 8 else 0
            lead = "" if not text or text.endswith(" ") else " "
            after = pieces[bi + 1][:1]
            tail = " " if keep or (after and after not in " ,.;:)/") else ""
            run = par.add_run(lead + value + tail)
            run.bold = par.alignment == WD_ALIGN_PARAGRAPH.CENTER and upper
            if clerk_font:
                run.font.name = clerk_font
                rfonts = run._r.get_or_add_rPr().get_or_add_rFonts()
                for attr in ("w:cs", "w:eastAsia"):
                    rfonts.set(qn(attr), clerk_font)
            used += metric.getlength(lead + value)
            if keep:
                par.add_run("." * keep)
    return doc, truth
