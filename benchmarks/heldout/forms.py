"""The held-out forms: every contract type, worded as the official blank templates are
(../shared/realdata/vn-forms/templates/), filled with values from values.py.

Each builder returns a Form: its blocks (labels and blanks in template order, in a layout of this
renderer's own) and its ground truth in the contract's formats. Values the contract does not
extract (the mother's ethnicity, the 'ghi bằng chữ' line, …) are filled too, as on a real form.
"""

from __future__ import annotations

import datetime as dt
import random

from . import values as vl
from .layout import QR, Card, Check, Form, Line, Para, Sign, Signs, T, V

TODAY = dt.date(2025, 11, 28)  # the set's "now": dates are drawn around it


def motto(rng: random.Random) -> list:
    hoa = rng.choice(["HÒA", "HOÀ"])
    dash = rng.choice(["-", "–"])
    return [Line([T(f"CỘNG {hoa} XÃ HỘI CHỦ NGHĨA VIỆT NAM", "b")], "center", 1.0, 0),
            Line([T(f"Độc lập {dash} Tự do {dash} Hạnh phúc", "b")], "center", 1.0, 0)]


def title(text: str, *sub: str) -> list:
    out = [Line([T(text, "b")], "center", 1.3, 0.8)]
    out += [Line([T(s, "b")], "center", 1.05, 0) for s in sub]
    out.append(Line([], gap=0.3))
    return out


def d2(rng: random.Random, n: int) -> str:
    return f"{n:02d}" if rng.random() < 0.75 else str(n)


def date_free(rng: random.Random, d: dt.date) -> str:
    """A date written in a free blank, in one of the ways the contract accepts."""
    style = rng.randrange(5)
    if style == 0:
        return f"{d:%d/%m/%Y}"
    if style == 1:
        return f"{d:%d-%m-%Y}"
    if style == 2:
        return f"{d:%d.%m.%Y}"
    if style == 3:
        return f"ngày {d2(rng, d.day)} tháng {d2(rng, d.month)} năm {d.year}"
    return f"{d.day}/{d2(rng, d.month)}/{d.year}"


def date_slots(rng: random.Random, d: dt.date, fid: str | None, sep: str = "/") -> list:
    return [V(d2(rng, d.day), fid, 0.05), T(sep), V(d2(rng, d.month), fid, 0.05), T(sep),
            V(str(d.year), fid, 0.07)]


def date_frame(rng: random.Random, d: dt.date, fid: str | None) -> list:
    return [T("ngày"), V(d2(rng, d.day), fid, 0.05), T("tháng"), V(d2(rng, d.month), fid, 0.05),
            T("năm"), V(str(d.year), fid, 0.07)]


def iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def id_document(rng: random.Random, number: str, issued: dt.date) -> str:
    """The 'Giấy tờ tùy thân' blank: the number inside the citizen's own wording."""
    return rng.choice([
        f"CCCD số {number}",
        f"Căn cước công dân số {number}, cấp ngày {issued:%d/%m/%Y}",
        f"Thẻ căn cước số {number} do Bộ Công an cấp ngày {issued:%d/%m/%Y}",
        f"Số định danh cá nhân {number}",
        f"CCCD {number} cấp ngày {issued:%d/%m/%Y} tại Cục Cảnh sát QLHC về TTXH",
    ])


def issued_date(rng: random.Random, birth: dt.date) -> dt.date:
    start = max(dt.date(2016, 1, 1), birth.replace(year=birth.year + 14) if birth.month != 2
                or birth.day < 29 else dt.date(birth.year + 14, 3, 1))
    if start > TODAY:
        start = TODAY - dt.timedelta(days=400)
    return vl.date_between(rng, start, TODAY - dt.timedelta(days=30))


def signed(rng: random.Random) -> dt.date:
    return vl.date_between(rng, dt.date(2025, 7, 1), TODAY)


def place_word(rng: random.Random) -> str:
    return rng.choice(["Hà Nội", "Hà Nội", "TP. Hà Nội"] + [
        w[0].upper() + w[1:] for w in rng.sample(vl.HANOI_NEW_WARDS, 3)])


def name_case(rng: random.Random, name: str) -> str:
    return name.upper() if rng.random() < 0.35 else name


def gender_piece(rng: random.Random, gender: str, fid: str | None, boxes_ok: bool) -> list:
    if boxes_ok and rng.random() < 0.3:
        return [Check(["Nam", "Nữ"], 0 if gender == "Nam" else 1, fid)]
    return [V(gender, fid, 0.08)]


def ident_line(rng, label: str, number: str, fid: str, boxes: bool) -> Line:
    if boxes:
        return Line([T(label), V(number, fid, 0.3, boxes=len(number))])
    return Line([T(label), V(number, fid, 0.3)])


# ---------------------------------------------------------------- civil status (hộ tịch)

def birth_registration(rng: random.Random) -> Form:
    mother = vl.person(rng, 1975, 2003, "Nữ")
    father = vl.person(rng, 1970, 2001, "Nam")
    child_gender = rng.choice(["Nam", "Nữ"])
    child = vl.person_name(rng, child_gender)
    birth = vl.date_between(rng, dt.date(2025, 3, 1), TODAY - dt.timedelta(days=3))
    requester, rel = rng.choice([(mother, "Mẹ đẻ"), (father, "Cha đẻ"),
                                 (vl.person(rng, 1950, 1968), rng.choice(vl.PARENT_REL[2:]))])
    if requester is mother and rng.random() < 0.3:
        rel = "Mẹ"
    if requester is father and rng.random() < 0.3:
        rel = "Cha"
    residence = vl.address(rng)
    no_father = rng.random() < 0.12 and requester is not father
    when = signed(rng)
    place = place_word(rng)
    receiver = vl.receiver(rng)
    child_shown = name_case(rng, child)
    ethnicity = rng.choice(vl.ETHNICITIES)
    birth_place = rng.choice(vl.BIRTH_PLACES)
    words = f"{vl.number_words(birth.day)} tháng {vl.number_words(birth.month)} năm " \
            f"{vl.number_words(birth.year)}"
    blocks = motto(rng) + title("TỜ KHAI ĐĂNG KÝ KHAI SINH") + [
        Line([T("Kính gửi: (1)"), V(receiver, "receiver")]),
        Line([T("Họ, chữ đệm, tên người yêu cầu:"), V(name_case(rng, requester.name),
                                                       "requester_name")]),
        Line([T("Nơi cư trú: (2)"), V(residence, "requester_residence")]),
        Line([T("Giấy tờ tùy thân: (3)"), V(id_document(rng, requester.id_number,
                                                         issued_date(rng, requester.birth)),
                                             "requester_id_number")]),
        Line([T("Quan hệ với người được khai sinh:"), V(rel, "relationship")]),
        Line([T("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", "b")]),
        Line([T("Họ, chữ đệm, tên:"), V(child_shown, "child_name")]),
        Line([T("Ngày, tháng, năm sinh:"), V(date_free(rng, birth), "child_birth_date", 0.25),
              T("ghi bằng chữ:"), V(words)]),
        Line([T("Giới tính:"), *gender_piece(rng, child_gender, "child_gender", True),
              T("Dân tộc:"), V(ethnicity, "child_ethnicity", 0.12), T("Quốc tịch:"),
              V("Việt Nam", "child_nationality", 0.12)]),
        Line([T("Nơi sinh: (4)"), V(birth_place, "child_birth_place")]),
        Line([T("Quê quán:"), V(vl.hometown(rng))]),
        Line([T("Họ, chữ đệm, tên người mẹ:"), V(name_case(rng, mother.name), "mother_name")]),
        Line([T("Năm sinh: (5)"), V(str(mother.birth.year), None, 0.08), T("Dân tộc:"),
              V(rng.choice(vl.ETHNICITIES), None, 0.12), T("Quốc tịch:"), V("Việt Nam")]),
        Line([T("Nơi cư trú: (2)"), V(residence)]),
        Line([T("Họ, chữ đệm, tên người cha:"),
              V("" if no_father else name_case(rng, father.name), "father_name")]),
        Line([T("Năm sinh: (5)"), V("" if no_father else str(father.birth.year), None, 0.08),
              T("Dân tộc:"), V("" if no_father else "Kinh", None, 0.12), T("Quốc tịch:"),
              V("" if no_father else "Việt Nam")]),
        Line([T("Nơi cư trú: (2)"), V("" if no_father else residence)]),
        Para("Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự "
             "thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật."),
        Para("Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình."),
        Line([T("Làm tại:"), V(place, "signed_place", 0.2), T(", "),
              *date_frame(rng, when, "signed_date")], "right", gap=0.6),
        Signs([Sign("Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", requester.name)]),
    ]
    truth = {"receiver": receiver, "requester_name": requester.name,
             "requester_residence": residence, "requester_id_number": requester.id_number,
             "relationship": rel, "child_name": child_shown, "child_birth_date": iso(birth),
             "child_gender": child_gender, "child_ethnicity": ethnicity,
             "child_nationality": "Việt Nam", "child_birth_place": birth_place,
             "mother_name": mother.name, "father_name": None if no_father else father.name,
             "signed_place": place, "signed_date": iso(when)}
    return Form("birth_registration", blocks, truth,
                {"requester": (requester.gender, requester.birth.isoformat())})


def death_registration(rng: random.Random) -> Form:
    deceased = vl.person(rng, 1925, 1975)
    requester = vl.person(rng, 1955, 2000)
    rel = rng.choice(vl.DEATH_REL)
    died = vl.date_between(rng, dt.date(2025, 6, 1), TODAY - dt.timedelta(days=2))
    when = signed(rng)
    if when < died:
        when = died + dt.timedelta(days=rng.randint(1, 5))
    receiver = vl.receiver(rng)
    cause = rng.choice(vl.DEATH_CAUSES)
    place = rng.choice(["Tại nhà riêng, " + vl.address(rng), rng.choice(vl.BIRTH_PLACES),
                        vl.address(rng)])
    blocks = motto(rng) + title("TỜ KHAI ĐĂNG KÝ KHAI TỬ") + [
        Line([T("Kính gửi: (1)"), V(receiver, "receiver")]),
        Line([T("Họ, chữ đệm, tên người yêu cầu:"), V(name_case(rng, requester.name),
                                                       "requester_name")]),
        Line([T("Ngày, tháng, năm sinh:"), V(date_free(rng, requester.birth),
                                              "requester_birth_date")]),
        Line([T("Nơi cư trú: (2)"), V(vl.address(rng))]),
        Line([T("Giấy tờ tùy thân: (3)"), V(id_document(rng, requester.id_number,
                                                         issued_date(rng, requester.birth)),
                                             "requester_id_number")]),
        Line([T("Quan hệ với người đã chết:"), V(rel, "relationship")]),
        Line([T("Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:", "b")]),
        Line([T("Họ, chữ đệm, tên:"), V(name_case(rng, deceased.name), "deceased_name")]),
        Line([T("Ngày, tháng, năm sinh:"), V(date_free(rng, deceased.birth),
                                              "deceased_birth_date")]),
        Line([T("Giới tính: (2)"), *gender_piece(rng, deceased.gender, "deceased_gender", True),
              T("Dân tộc: (2)"), V(rng.choice(vl.ETHNICITIES), None, 0.12),
              T("Quốc tịch: (2)"), V("Việt Nam")]),
        Line([T("Nơi cư trú cuối cùng: (2)"), V(vl.address(rng))]),
        Line([T("Giấy tờ tùy thân: (3)"), V(id_document(rng, deceased.id_number,
                                                         issued_date(rng, deceased.birth)))]),
        Line([T("Đã chết vào lúc:"), V(f"{rng.randint(0, 23):02d}", None, 0.05),
              T("giờ"), V(f"{rng.randint(0, 59):02d}", None, 0.05), T("phút,"),
              *date_frame(rng, died, "death_date")]),
        Line([T("Nơi chết:"), V(place, "death_place")]),
        Line([T("Nguyên nhân chết:"), V(cause, "death_cause")]),
        Line([T("Số Giấy báo tử/Giấy tờ thay thế Giấy báo tử: (4)"),
              V(f"{rng.randint(10, 999)}/GBT", None, 0.12), T("do"),
              V(rng.choice(vl.BIRTH_PLACES), None, 0.2), T("cấp ngày"),
              V(d2(rng, died.day), None, 0.05), T("tháng"), V(d2(rng, died.month), None, 0.05),
              T("năm"), V(str(died.year), None, 0.07)]),
        Para("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm "
             "trước pháp luật về cam đoan của mình."),
        Line([T("Làm tại:"), V(place_word(rng), None, 0.2), T(", "),
              *date_frame(rng, when, "signed_date")], "right", gap=0.6),
        Signs([Sign("Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", requester.name)]),
    ]
    truth = {"receiver": receiver, "requester_name": requester.name,
             "requester_birth_date": iso(requester.birth),
             "requester_id_number": requester.id_number, "relationship": rel,
             "deceased_name": deceased.name, "deceased_birth_date": iso(deceased.birth),
             "deceased_gender": deceased.gender, "death_date": iso(died), "death_place": place,
             "death_cause": cause, "signed_date": iso(when)}
    return Form("death_registration", blocks, truth)


def parent_child_recognition(rng: random.Random) -> Form:
    parent = vl.person(rng, 1975, 1998)
    child = vl.person(rng, 2008, 2024)
    requester = parent if rng.random() < 0.7 else vl.person(rng, 1975, 1998)
    first, second = (parent, child) if rng.random() < 0.5 else (child, parent)
    relation = ("cha" if parent.gender == "Nam" else "mẹ") if first is parent else "con"
    when = signed(rng)
    receiver = vl.receiver(rng)
    residence = vl.address(rng)

    def person_block(p: vl.Person, fname: str | None, fbirth: str | None) -> list:
        return [
            Line([T("Họ, chữ đệm, tên:"), V(name_case(rng, p.name), fname)]),
            Line([T("Ngày, tháng, năm sinh:"), V(date_free(rng, p.birth), fbirth)]),
            Line([T("Giới tính: (2)"), *gender_piece(rng, p.gender, None, True),
                  T("Dân tộc: (2)"), V("Kinh", None, 0.12), T("Quốc tịch: (2)"),
                  V("Việt Nam")]),
            Line([T("Nơi cư trú: (2)"), V(residence)]),
            Line([T("Giấy khai sinh/Giấy tờ tùy thân: (3)"),
                  V(f"Giấy khai sinh số {rng.randint(10, 400)}, quyển số "
                    f"{rng.randint(1, 9):02d}" if p is child else f"CCCD số {p.id_number}")]),
        ]
    blocks = motto(rng) + title("TỜ KHAI ĐĂNG KÝ NHẬN CHA, MẸ, CON") + [
        Line([T("Kính gửi: (1)"), V(receiver, "receiver")]),
        Line([T("Họ, chữ đệm, tên người yêu cầu:"), V(name_case(rng, requester.name),
                                                       "requester_name")]),
        Line([T("Ngày, tháng, năm sinh:"), V(date_free(rng, requester.birth),
                                              "requester_birth_date")]),
        Line([T("Nơi cư trú: (2)"), V(residence)]),
        Line([T("Giấy tờ tùy thân: (3)"), V(id_document(rng, requester.id_number,
                                                         issued_date(rng, requester.birth)),
                                             "requester_id_number")]),
        Line([T("Quan hệ với người nhận cha/mẹ/con: (4)"),
              V("Bản thân" if requester is parent else rng.choice(["Ông nội", "Bà ngoại"]))]),
        Line([T("Đề nghị cơ quan công nhận người có tên dưới đây:", "b")]),
        *person_block(first, "recognized_name", "recognized_birth_date"),
        Line([T("Là"), V(relation, None, 0.12), T("của người có tên dưới đây:")]),
        *person_block(second, "other_party_name", None),
        Line([T("Tôi cam đoan việc nhận"), V("cha, mẹ, con" if rng.random() < 0.5 else relation,
                                             None, 0.12),
              T("nói trên là đúng sự thật, tự nguyện, không có tranh chấp và chịu trách nhiệm "
                "trước pháp luật về cam đoan của mình.")]),
        Line([T("Làm tại"), V(place_word(rng), None, 0.2), *date_frame(rng, when, "signed_date")],
             "right", gap=0.6),
        Signs([Sign("Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", requester.name)]),
    ]
    truth = {"receiver": receiver, "requester_name": requester.name,
             "requester_birth_date": iso(requester.birth),
             "requester_id_number": requester.id_number, "recognized_name": first.name,
             "recognized_birth_date": iso(first.birth), "other_party_name": second.name,
             "signed_date": iso(when)}
    return Form("parent_child_recognition", blocks, truth)


# ---------------------------------------------------------------- residence, ID card

def residence_change(rng: random.Random) -> Form:
    me = vl.person(rng, 1960, 2005)
    head = vl.person(rng, 1950, 1990)
    rel = rng.choice(vl.HEAD_REL)
    tel = vl.phone(rng)
    mail = vl.email(rng, me.name, me.birth) if rng.random() < 0.7 else None
    content = rng.choice(vl.RESIDENCE_REQUESTS)
    if content.endswith("hộ gia đình"):
        content += f" tại {vl.hanoi_address(rng)}"
    receiver = "Công an " + rng.choice(vl.HANOI_NEW_WARDS)
    new_label = rng.random() < 0.5
    boxes = rng.random() < 0.6
    blocks = []
    if rng.random() < 0.6:
        blocks.append(Line([T("Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA", "i")],
                           "right", 0.8, 0))
        blocks.append(Line([T("ngày 17/11/2023 của Bộ trưởng Bộ Công an", "i")], "right", 0.8, 0))
    blocks += motto(rng) + title("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ") + [
        Line([T("Kính gửi(1):"), V(receiver, "receiver")]),
        Line([T("1. Họ, chữ đệm và tên:"), V(name_case(rng, me.name), "full_name")]),
        Line([T("2. Ngày, tháng, năm sinh:"), *date_slots(rng, me.birth, "birth_date"),
              T("   3. Giới tính:"), *gender_piece(rng, me.gender, "gender", True)]),
        ident_line(rng, "4. Số định danh cá nhân:" if new_label else "4. CCCD:", me.id_number,
                   "id_number", boxes),
        Line([T("5. Số điện thoại liên hệ:"), V(vl.phone_printed(rng, tel), "phone", 0.25),
              T("6. Email:"), V(mail or "", "email")]),
        Line([T("7. Họ, chữ đệm và tên chủ hộ:"), V(name_case(rng, head.name),
                                                     "household_head_name", 0.3),
              T("8. Mối quan hệ với chủ hộ:"), V(rel, "relationship_to_head")]),
        ident_line(rng, "9. Số định danh cá nhân của chủ hộ:", head.id_number,
                   "household_head_id_number", boxes),
        Line([T("10. Nội dung đề nghị(2):"), V(content, "request_content")]),
        Line([T("11. Những thành viên trong hộ gia đình cùng thay đổi:"), V("Không")]),
        Line([T(f"{place_word(rng)}, ngày {d2(rng, TODAY.day)} tháng {TODAY.month} năm "
                f"{TODAY.year}", "i")], "right", gap=0.8),
        Signs([Sign("Ý KIẾN CỦA CHỦ HỘ", "(Ghi rõ nội dung và ký, ghi rõ họ tên)", head.name),
               Sign("NGƯỜI KÊ KHAI", "(Ký, ghi rõ họ tên)", me.name)]),
    ]
    truth = {"receiver": receiver, "full_name": me.name, "birth_date": iso(me.birth),
             "gender": me.gender, "id_number": me.id_number, "phone": tel, "email": mail,
             "household_head_name": head.name, "relationship_to_head": rel,
             "household_head_id_number": head.id_number, "request_content": content}
    return Form("residence_change", blocks, truth)


def id_card_application(rng: random.Random) -> Form:
    me = vl.person(rng, 1955, 2010)
    old_cmnd = rng.random() < 0.2 and me.birth.year < 1995
    number = vl.digits(rng, 9) if old_cmnd else me.id_number
    fields = {"ethnicity": rng.choice(vl.ETHNICITIES), "religion": rng.choice(vl.RELIGIONS),
              "marital_status": rng.choice(vl.MARITAL if me.birth.year < 2004 else
                                           ["Độc thân"]),
              "hometown": vl.hometown(rng), "permanent_address": vl.address(rng),
              "occupation": rng.choice(vl.OCCUPATIONS)}
    current = fields["permanent_address"] if rng.random() < 0.5 else vl.hanoi_address(rng)
    father, mother = vl.person(rng, 1930, 1985, "Nam"), vl.person(rng, 1932, 1988, "Nữ")
    blocks = [Line([T("Mẫu CC01 ban hành kèm theo", "i")], "right", 0.8, 0),
              Line([T("Thông tư số 41/2019/TT-BCA ngày 01/10/2019", "i")], "right", 0.8, 0)]
    blocks += motto(rng) + title("TỜ KHAI CĂN CƯỚC CÔNG DÂN") + [
        Line([T("1. Họ, chữ đệm và tên(1):"), V(me.name.upper(), "full_name")]),
        Line([T("2. Họ, chữ đệm và tên gọi khác (nếu có)(1):"), V("")]),
        Line([T("3. Ngày, tháng, năm sinh:"), *date_slots(rng, me.birth, "birth_date"),
              T("; 4. Giới tính (Nam/nữ):"), V(me.gender, "gender", 0.08)]),
        Line([T("5. Số CMND/CCCD (2)"), V(number, "id_number", 0.3, boxes=12)]),
        Line([T("6. Dân tộc:"), V(fields["ethnicity"], "ethnicity", 0.12), T("; 7. Tôn giáo:"),
              V(fields["religion"], "religion", 0.12), T("8. Quốc tịch:"),
              V("Việt Nam", "nationality")]),
        Line([T("9. Tình trạng hôn nhân:"), V(fields["marital_status"], "marital_status", 0.18),
              T("10. Nhóm máu (nếu có):"), V(rng.choice(["", "A", "B", "O", "AB"]))]),
        Line([T("11. Nơi đăng ký khai sinh:"), V(vl.hometown(rng))]),
        Line([T("12. Quê quán:"), V(fields["hometown"], "hometown")]),
        Line([T("13. Nơi thường trú:"), V(fields["permanent_address"], "permanent_address")]),
        Line([T("14. Nơi ở hiện tại:"), V(current, "current_address")]),
        Line([T("15. Nghề nghiệp:"), V(fields["occupation"], "occupation", 0.2),
              T("16. Trình độ học vấn:"), V(rng.choice(["12/12", "Đại học", "9/12", "Thạc sĩ"]))]),
        Line([T("17. Họ, chữ đệm và tên của cha(1):"), V(father.name, None, 0.3),
              T("Quốc tịch:"), V("Việt Nam")]),
        Line([T("18. Họ, chữ đệm và tên của mẹ(1):"), V(mother.name, None, 0.3),
              T("Quốc tịch:"), V("Việt Nam")]),
        Line([T("21. Họ, chữ đệm và tên của chủ hộ(1):"), V(father.name, None, 0.3)]),
        Line([T("Quan hệ với chủ hộ:"), V("Con")]),
        Line([T("22. Yêu cầu của công dân:", "b")]),
        Line([T("- Cấp, đổi, cấp lại thẻ Căn cước công dân:"),
              V(rng.choice(["Cấp đổi", "Cấp lại", "Cấp mới"]))]),
        Para("Tôi xin cam đoan những thông tin kê khai trên đây là đúng sự thật./."),
        Line([T(f"{place_word(rng)}, ngày {d2(rng, TODAY.day)} tháng {TODAY.month} năm "
                f"{TODAY.year}", "i")], "right", gap=0.6),
        Signs([Sign("NGƯỜI KHAI", "(Ký, ghi rõ họ tên)", me.name)]),
    ]
    truth = {"full_name": me.name.upper(), "birth_date": iso(me.birth), "gender": me.gender,
             "id_number": number, "nationality": "Việt Nam", "current_address": current,
             **fields}
    return Form("id_card_application", blocks, truth)


# ---------------------------------------------------------------- letters and requests

def power_of_attorney(rng: random.Random) -> Form:
    grantor, grantee = vl.person(rng, 1940, 1975), vl.person(rng, 1965, 2003)
    tel1, tel2 = vl.phone(rng), vl.phone(rng)
    scope, duration = rng.choice(vl.POA_SCOPES), rng.choice(vl.POA_DURATIONS)
    when = signed(rng)
    issuer = rng.choice(["Cục Cảnh sát QLHC về TTXH", "Bộ Công an", "Công an TP Hà Nội"])

    def party(p: vl.Person, tel: str, fname: str, fbirth: str, fid: str, fphone: str,
              grantor_side: bool) -> list:
        issued = issued_date(rng, p.birth)
        out = [Line([T("Họ và tên:"), V(name_case(rng, p.name), fname, 0.35), T(", sinh ngày"),
                     *date_slots(rng, p.birth, fbirth)])]
        if grantor_side:
            out += [Line([T("Mã số BHXH:"), V(vl.digits(rng, 10))]),
                    Line([T("Loại chế độ được hưởng:"), V(rng.choice(
                        ["Hưu trí", "Trợ cấp thất nghiệp", "Ốm đau", "BHXH một lần"]))]),
                    Line([T("Số điện thoại liên hệ:"), V(vl.phone_printed(rng, tel), fphone)])]
        out += [Line([T("Số CMND/số căn cước công dân/số hộ chiếu/:"), V(p.id_number, fid, 0.25),
                      T("do"), V(issuer)]),
                Line([T("cấp ngày"), *date_slots(rng, issued, None)]),
                Line([T("Nơi cư trú (1):"), V(vl.address(rng))])]
        if not grantor_side:
            out.append(Line([T("Số điện thoại:"), V(vl.phone_printed(rng, tel), fphone)]))
        return out

    blocks = motto(rng) + title("GIẤY ỦY QUYỀN") + [
        Line([T("I. Người ủy quyền:", "b")]),
        *party(grantor, tel1, "grantor_name", "grantor_birth_date", "grantor_id_number",
               "grantor_phone", True),
        Line([T("II. Người được ủy quyền:", "b")]),
        *party(grantee, tel2, "grantee_name", "grantee_birth_date", "grantee_id_number",
               "grantee_phone", False),
        Line([T("III. Nội dung ủy quyền(2):", "b")]),
        Line([V(scope, "scope", 0.9)]),
        Line([T("IV: Thời hạn ủy quyền: (3)", "b"), V(duration, "duration")]),
        Para("Chúng tôi cam kết chấp hành đúng nội dung ủy quyền như đã nêu ở trên."),
        Para("Trong trường hợp người ủy quyền (người hưởng chế độ) xuất cảnh trái phép hoặc bị "
             "Tòa án tuyên bố là mất tích hoặc bị chết hoặc có căn cứ xác định việc hưởng BHXH "
             "không đúng quy định của pháp luật thì Tôi là người được ủy quyền cam kết sẽ thông "
             "báo kịp thời cho đại diện chi trả hoặc BHXH cấp huyện. Tôi xin chịu trách nhiệm "
             "trước pháp luật và hoàn trả lại tiền nếu không thực hiện đúng cam kết./.",
             size=0.92),
        Line([V(place_word(rng), None, 0.15), T(", "), *date_frame(rng, when, "signed_date")],
             "right", gap=0.5),
        Signs([Sign("Người được ủy quyền", "(Ký, ghi rõ họ tên)", grantee.name),
               Sign("Người ủy quyền", "(Ký, ghi rõ họ tên)", grantor.name)]),
    ]
    truth = {"grantor_name": grantor.name, "grantor_birth_date": iso(grantor.birth),
             "grantor_id_number": grantor.id_number, "grantor_phone": tel1,
             "grantee_name": grantee.name, "grantee_birth_date": iso(grantee.birth),
             "grantee_id_number": grantee.id_number, "grantee_phone": tel2, "scope": scope,
             "duration": duration, "signed_date": iso(when)}
    return Form("power_of_attorney", blocks, truth)


def complaint(rng: random.Random) -> Form:
    me = vl.person(rng, 1950, 2000)
    when = signed(rng)
    place = place_word(rng)
    receiver = rng.choice(["Chủ tịch Ủy ban nhân dân thành phố Hà Nội",
                           "Thanh tra thành phố Hà Nội"]) if rng.random() < 0.4 else \
        vl.receiver(rng)
    respondent = rng.choice(vl.COMPLAINT_TARGETS)
    home = vl.address(rng)
    issued = issued_date(rng, me.birth)
    blocks = motto(rng) + [
        Line([V(place, "signed_place", 0.15), T(", "), *date_frame(rng, when, "signed_date")],
             "right", gap=0.5),
        *title("ĐƠN KHIẾU NẠI"),
        Line([T("Kính gửi:"), V(receiver, "receiver", 0.5,
                                hint="(Tên cơ quan, tổ chức có thẩm quyền giải quyết)")]),
        Line([T("Tên tôi là:"), V(name_case(rng, me.name), "complainant_name", 0.35),
              T("sinh ngày"), V(d2(rng, me.birth.day), "complainant_birth_date", 0.05),
              T("tháng"), V(d2(rng, me.birth.month), "complainant_birth_date", 0.05), T("năm"),
              V(str(me.birth.year), "complainant_birth_date", 0.07)]),
        Line([T("Thường trú tại:"), V(home, "complainant_address")]),
        Line([T("Số CMND/CCCD"), V(me.id_number, "complainant_id_number")]),
        Line([T("Ngày và nơi cấp:"), V(f"{issued:%d/%m/%Y}, Cục Cảnh sát QLHC về TTXH")]),
        Line([T("Hiện đang (làm gì, ở đâu):"), V(f"{rng.choice(vl.OCCUPATIONS)}, "
                                                  f"{rng.choice(vl.EMPLOYERS)}")]),
        Line([T("Khiếu nại về hành vi hành chính của:"),
              V(respondent, "respondent_name", 0.4, hint="(Ghi tên người bị khiếu nại)")]),
        Line([T("Giải trình vụ việc cần khiếu nại:", "b")]),
        Line([V(rng.choice([
            "Ngày 15/9/2025 tôi nộp hồ sơ xin cấp phép sửa chữa nhà nhưng đến nay chưa được "
            "trả lời, cũng không có văn bản nêu lý do.",
            "Quyết định xử phạt vi phạm hành chính số 112/QĐ-XPHC áp dụng sai đối tượng, gia "
            "đình tôi không xây dựng lấn chiếm vỉa hè như biên bản đã ghi.",
            "Cán bộ tiếp nhận yêu cầu tôi nộp thêm giấy tờ không có trong thành phần hồ sơ "
            "theo quy định và kéo dài thời gian giải quyết."]), None, 0.9)]),
        Line([T("Yêu cầu giải quyết khiếu nại:", "b")]),
        Para("- Đề nghị thẩm tra, xác minh (có thể giới thiệu tài liệu, chứng cứ, người biết "
             "việc làm chứng)."),
        Para("- Giải quyết lại theo đúng chính sách pháp luật, đúng quyền lợi hợp pháp."),
        Para("Tôi xin cam đoan về nội dung khiếu nại trên là đúng sự thật và xin chịu trách "
             "nhiệm về nội dung đã khiếu nại."),
        Line([T("Mong quý cơ quan sớm xét và giải quyết để bảo vệ quyền lợi cho"),
              V("tôi và gia đình", None, 0.2)]),
        Para("Xin chân thành cảm ơn quý cơ quan."),
        Signs([Sign("Người khiếu nại", "(Ký và ghi rõ họ tên)", me.name)]),
    ]
    truth = {"receiver": receiver, "complainant_name": me.name,
             "complainant_birth_date": iso(me.birth), "complainant_address": home,
             "complainant_id_number": me.id_number, "respondent_name": respondent,
             "signed_place": place, "signed_date": iso(when)}
    return Form("complaint", blocks, truth)


def land_area(rng: random.Random) -> tuple[str, float]:
    style = rng.randrange(4)
    if style == 0:
        area = rng.randint(40, 400)
        return str(area), float(area)
    if style == 1:
        whole, dec = rng.randint(40, 900), rng.randint(1, 9)
        return f"{whole},{dec}", whole + dec / 10
    if style == 2:
        area = rng.randint(1, 12) * 1000 + rng.randint(0, 9) * 100
        return f"{area // 1000}.{area % 1000:03d}", float(area)
    area = rng.randint(60, 250)
    return f"{area} m2", float(area)


def land_allocation_request(rng: random.Random) -> Form:
    me = vl.person(rng, 1955, 1995)
    when = signed(rng)
    level = rng.choice(["thành phố Hà Nội"] + rng.sample(vl.HANOI_NEW_WARDS, 2))
    receiver = "Ủy ban nhân dân " + level
    home = vl.address(rng)
    where = rng.choice([vl.rural_address(rng), vl.hanoi_address(rng, True),
                        f"Thửa đất số {rng.randint(10, 900)}, tờ bản đồ số {rng.randint(1, 60)}, "
                        f"{rng.choice(vl.HANOI_NEW_WARDS)}, thành phố Hà Nội"])
    area_text, area = land_area(rng)
    purpose, term = rng.choice(vl.LAND_PURPOSES), rng.choice(vl.LAND_TERMS)
    kind = rng.choice(["XIN GIAO ĐẤT", "XIN CHO THUÊ ĐẤT", "XIN CHUYỂN MỤC ĐÍCH SỬ DỤNG ĐẤT"])
    head = (title("ĐƠN XIN GIAO ĐẤT/CHO THUÊ ĐẤT/CHO PHÉP CHUYỂN MỤC ĐÍCH SỬ DỤNG ĐẤT")
            if rng.random() < 0.6 else title(f"ĐƠN {kind}"))
    blocks = motto(rng) + [
        Line([V(place_word(rng), None, 0.15), T(", "), *date_frame(rng, when, "signed_date")],
             "right", gap=0.5),
        *head,
        Line([T("Kính gửi: Ủy ban nhân dân"), V(level, "receiver")]),
        Line([T("1. Người xin giao đất/cho thuê đất/cho phép chuyển mục đích sử dụng đất"),
              V(name_case(rng, me.name), "applicant_name", 0.3)]),
        Line([T("2. Địa chỉ/trụ sở chính:"), V(home, "applicant_address")]),
        Line([T("3. Địa chỉ liên hệ:"), V(home if rng.random() < 0.5 else vl.address(rng))]),
        Line([T("4. Địa điểm khu đất:"), V(where, "land_location")]),
        Line([T("5. Diện tích (m2):"), V(area_text, "land_area_m2")]),
        Line([T("6. Để sử dụng vào mục đích:"), V(purpose, "land_purpose")]),
        Line([T("7. Thời hạn sử dụng:"), V(term, "land_term")]),
        Para("8. Cam kết sử dụng đất đúng mục đích, chấp hành đúng các quy định của pháp luật "
             "đất đai, nộp tiền sử dụng đất/tiền thuê đất (nếu có) đầy đủ, đúng hạn;"),
        Line([T("Các cam kết khác (nếu có)"), V("")]),
        Signs([Sign("Người làm đơn", "(Ký và ghi rõ họ tên)", me.name)]),
    ]
    truth = {"receiver": receiver, "applicant_name": me.name, "applicant_address": home,
             "land_location": where, "land_area_m2": area, "land_purpose": purpose,
             "land_term": term, "signed_date": iso(when)}
    return Form("land_allocation_request", blocks, truth)


def child_passport_application(rng: random.Random) -> Form:
    father = vl.person(rng, 1975, 1996, "Nam")
    mother = vl.person(rng, 1978, 1998, "Nữ")
    guardian = rng.choice([father, mother])
    child = vl.person(rng, 2012, 2024)
    tel = vl.phone(rng)
    when = signed(rng)
    surname, rest = child.name.split(" ", 1)
    home = vl.address(rng)
    boxes = rng.random() < 0.5
    issued = issued_date(rng, guardian.birth)
    blocks = motto(rng) + title("TỜ KHAI", "Đề nghị cấp hộ chiếu phổ thông ở trong nước",
                                "dành cho người chưa đủ 14 tuổi") + [
        Line([T("A. Thông tin người đại diện hợp pháp:", "b")]),
        Line([T("1. Họ và tên(2)"), V(name_case(rng, guardian.name), "guardian_name")]),
        Line([T("2. Sinh ngày"), V(d2(rng, guardian.birth.day), "guardian_birth_date", 0.05),
              T("tháng"), V(d2(rng, guardian.birth.month), "guardian_birth_date", 0.05),
              T("năm"), V(str(guardian.birth.year), "guardian_birth_date", 0.07),
              T("3. Giới tính(Nam/Nữ):"), V(guardian.gender, None, 0.08)]),
        Line([T("4. Số CCCD/CMND:"), V(guardian.id_number, "guardian_id_number", 0.3,
                                       boxes=12 if boxes else 0),
              T("Ngày cấp"), *date_slots(rng, issued, None)]),
        Line([T("5. Địa chỉ thường trú"), V(home)]),
        Line([T("6. Số điện thoại"), V(vl.phone_printed(rng, tel), "guardian_phone")]),
        Line([T("7. Quan hệ với người dưới 14 tuổi đề nghị cấp hộ chiếu:"),
              V("Cha" if guardian is father else "Mẹ")]),
        Line([T("B. Thông tin về người chưa đủ 14 tuổi đề nghị cấp hộ chiếu:", "b")]),
        Line([T("1. Họ"), V(surname.upper(), "child_name", 0.12), T("Chữ đệm và tên"),
              V(rest.upper(), "child_name", 0.3), T("(2) 2. Giới tính(Nam/Nữ):"),
              V(child.gender, "child_gender", 0.06)]),
        Line([T("3. Sinh ngày"), V(d2(rng, child.birth.day), "child_birth_date", 0.05),
              T("tháng"), V(d2(rng, child.birth.month), "child_birth_date", 0.05), T("năm"),
              V(str(child.birth.year), "child_birth_date", 0.07),
              T("Nơi sinh (tỉnh, thành phố) (3)"), V("Hà Nội")]),
        Line([T("4. Số định danh cá nhân:"), V(child.id_number, "child_id_number", 0.3,
                                               boxes=12 if boxes else 0)]),
        Line([T("5. Quốc tịch"), V("Việt Nam", None, 0.12), T("6. Dân tộc"),
              V("Kinh", None, 0.1), T("7. Tôn giáo:"), V("Không")]),
        Line([T("8. Địa chỉ đăng ký thường trú"), V(home)]),
        Line([T("9. Địa chỉ đăng ký tạm trú"), V("")]),
        Line([T("10. Cha: họ và tên"), V(name_case(rng, father.name), "father_name", 0.35),
              T("sinh ngày"), *date_slots(rng, father.birth, None)]),
        Line([T("Mẹ: họ và tên"), V(name_case(rng, mother.name), "mother_name", 0.35),
              T("sinh ngày"), *date_slots(rng, mother.birth, None)]),
        Line([T("11. Hộ chiếu phổ thông lần gần nhất (nếu có) số"), V("", None, 0.15),
              T("cấp ngày"), V("", None, 0.15)]),
        Line([T("12. Nội dung đề nghị(4)"), V(rng.choice(["Cấp hộ chiếu lần đầu",
                                                          "Cấp lại hộ chiếu do hết hạn"]))]),
        Para("Tôi xin cam đoan những thông tin trên là đúng sự thật."),
        Line([V(place_word(rng), None, 0.15), T(", "), *date_frame(rng, when, "signed_date")],
             "right", gap=0.5),
        Signs([Sign("Người đề nghị", "(Ký, ghi rõ họ tên)", guardian.name)]),
    ]
    truth = {"guardian_name": guardian.name, "guardian_birth_date": iso(guardian.birth),
             "guardian_id_number": guardian.id_number, "guardian_phone": tel,
             "child_name": child.name.upper(), "child_gender": child.gender,
             "child_birth_date": iso(child.birth), "child_id_number": child.id_number,
             "father_name": father.name, "mother_name": mother.name, "signed_date": iso(when)}
    return Form("child_passport_application", blocks, truth,
                {"child": (child.gender, child.birth.isoformat())})


def unemployment_benefit_request(rng: random.Random) -> Form:
    me = vl.person(rng, 1970, 2003)
    tel = vl.phone(rng)
    mail = vl.email(rng, me.name, me.birth) if rng.random() < 0.6 else None
    account = vl.digits(rng, rng.choice([10, 12, 13, 14]))
    insurance = vl.digits(rng, 10)
    employer = rng.choice(vl.EMPLOYERS)
    ended = vl.date_between(rng, dt.date(2025, 5, 1), TODAY - dt.timedelta(days=20))
    months = rng.randint(12, 144)
    when = signed(rng)
    if when < ended:
        when = ended + dt.timedelta(days=rng.randint(3, 20))
    center = rng.choice(vl.EMPLOYMENT_CENTERS)
    tail = center.removeprefix("Trung tâm Dịch vụ việc làm ")
    issued = issued_date(rng, me.birth)
    blocks = motto(rng) + title("ĐỀ NGHỊ HƯỞNG TRỢ CẤP THẤT NGHIỆP") + [
        Line([T("Kính gửi: Trung tâm Dịch vụ việc làm"), V(tail, "receiver")]),
        Line([T("Tên tôi là:"), V(name_case(rng, me.name), "applicant_name", 0.35),
              T("sinh ngày"), *date_slots(rng, me.birth, "applicant_birth_date")]),
        Line([T("Số định danh cá nhân/Chứng minh nhân dân:"),
              V(me.id_number, "applicant_id_number", 0.25), T("cấp ngày"),
              V(d2(rng, issued.day), None, 0.05), T("tháng"), V(d2(rng, issued.month), None, 0.05),
              T("năm"), V(str(issued.year), None, 0.07), T("Nơi cấp:"),
              V("Cục Cảnh sát QLHC về TTXH")]),
        Line([T("Số sổ BHXH:"), V(insurance, "social_insurance_number")]),
        Line([T("Số điện thoại:"), V(vl.phone_printed(rng, tel), "phone", 0.25),
              T("Địa chỉ email (nếu có)"), V(mail or "", "email")]),
        Line([T("Số tài khoản (ATM nếu có)"), V(account, "bank_account_number", 0.25),
              T("tại ngân hàng:"), V(rng.choice(vl.BANKS))]),
        Line([T("Trình độ đào tạo:"), V(rng.choice(["Trung cấp", "Cao đẳng", "Đại học",
                                                    "Sơ cấp nghề"]))]),
        Line([T("Ngành nghề đào tạo:"), V(rng.choice(["Kế toán", "Cơ khí", "May công nghiệp",
                                                      "Điện dân dụng", "Quản trị kinh doanh"]))]),
        Line([T("Chỗ ở hiện nay (trường hợp khác nơi đăng ký thường trú) (1):"),
              V(vl.address(rng))]),
        Line([T("Ngày"), *date_slots(rng, ended, "termination_date"),
              T(", tôi đã chấm dứt hợp đồng lao động/hợp đồng làm việc với (tên đơn vị)"),
              V(employer, "employer_name")]),
        Line([T("tại địa chỉ:"), V(vl.hanoi_address(rng))]),
        Line([T("Lý do chấm dứt hợp đồng lao động/hợp đồng làm việc:"),
              V(rng.choice(["Hết hạn hợp đồng", "Công ty cắt giảm lao động",
                            "Hai bên thỏa thuận chấm dứt"]))]),
        Line([T("Loại hợp đồng lao động/hợp đồng làm việc:"),
              V(rng.choice(["Xác định thời hạn 36 tháng", "Không xác định thời hạn",
                            "Xác định thời hạn 12 tháng"]))]),
        Line([T("Số tháng đóng bảo hiểm thất nghiệp"), V(str(months), "insured_months", 0.08),
              T("tháng.")]),
        Line([T("Nơi đề nghị nhận trợ cấp thất nghiệp (BHXH quận/huyện hoặc qua thẻ ATM):"),
              V("Qua thẻ ATM")]),
        Line([T("Kèm theo Đề nghị này là (2)"), V("Quyết định thôi việc", None, 0.25),
              T("và Sổ bảo hiểm xã hội của tôi. Đề nghị quý Trung tâm xem xét, giải quyết "
                "hưởng trợ cấp thất nghiệp cho tôi theo đúng quy định.")]),
        Para("Tôi cam đoan nội dung ghi trên là hoàn toàn đúng sự thật, nếu sai tôi sẽ chịu "
             "trách nhiệm trước pháp luật."),
        Line([V(place_word(rng), None, 0.15), T(", "), *date_frame(rng, when, "signed_date")],
             "right", gap=0.5),
        Signs([Sign("Người đề nghị", "(Ký, ghi rõ họ tên)", me.name)]),
    ]
    truth = {"receiver": center, "applicant_name": me.name,
             "applicant_birth_date": iso(me.birth), "applicant_id_number": me.id_number,
             "social_insurance_number": insurance, "phone": tel, "email": mail,
             "bank_account_number": account, "employer_name": employer,
             "termination_date": iso(ended), "insured_months": float(months),
             "signed_date": iso(when)}
    return Form("unemployment_benefit_request", blocks, truth)


# ---------------------------------------------------------------- printed documents

def expiry(birth: dt.date, issued: dt.date) -> dt.date | None:
    """The card is valid until the holder turns 25, 40 or 60, whichever comes next after
    issue (cards issued within two years before such an age run to the next one)."""
    for age in (25, 40, 60):
        try:
            at = birth.replace(year=birth.year + age)
        except ValueError:
            at = dt.date(birth.year + age, 3, 1)
        if at - issued > dt.timedelta(days=730):
            return at
    return None


def citizen_id_card(rng: random.Random) -> Form:
    me = vl.person(rng, 1962, 2006)
    issued = issued_date(rng, me.birth)
    until = expiry(me.birth, issued)
    home = vl.hometown(rng)
    residence = vl.address(rng)
    front = {"number": me.id_number, "name": me.name.upper(), "birth": f"{me.birth:%d/%m/%Y}",
             "gender": me.gender, "nationality": "Việt Nam", "hometown": home,
             "residence": residence,
             "expiry": f"{until:%d/%m/%Y}" if until else "Không thời hạn"}
    back = {"features": "Sẹo chấm C:1cm trên trước đầu lông mày phải" if rng.random() < 0.5
            else "Nốt ruồi C:2cm dưới sau mép trái", "issued": f"{issued:%d/%m/%Y}",
            "mrz": f"IDVNM{me.id_number[3:]}{rng.randrange(10)}{me.id_number}<<"
                   f"{rng.randrange(10)}"}
    truth = {"id_number": me.id_number, "full_name": me.name.upper(), "birth_date": iso(me.birth),
             "gender": me.gender, "nationality": "Việt Nam", "hometown": home,
             "permanent_address": residence, "expiry_date": iso(until)}
    return Form("citizen_id_card", [Card(front, back)], truth)


def dossier_receipt(rng: random.Random) -> Form:
    me = vl.person(rng, 1950, 2005)
    tel = vl.phone(rng)
    received = vl.date_between(rng, dt.date(2025, 7, 1), TODAY)
    days = rng.choice([3, 5, 7, 10, 15])
    due = received + dt.timedelta(days=days + 2 * (days // 5))
    code = vl.dossier_code(rng, received)
    procedure = rng.choice(vl.PROCEDURES)
    branch = rng.choice([f"Chi nhánh số {rng.randint(1, 30)} - Trung tâm Phục vụ hành chính "
                         "công thành phố Hà Nội",
                         f"Bộ phận Một cửa {rng.choice(vl.HANOI_NEW_WARDS)}"])
    blocks = [
        Line([T("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "b")], "left", 0.95, 0),
        Line([T("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "b")], "left", 0.95, 0),
        *motto(rng),
        QR(code),
        *title("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
        Line([T("Mã hồ sơ:", "b"), V(code, "dossier_code", 0.4)], "center"),
        Line([T("(Liên: Giao khách hàng)", "i")], "center", 0.9, 0),
        Line([T("Bộ phận tiếp nhận và trả kết quả:"), V(branch, "branch")]),
        Line([T("Tiếp nhận hồ sơ của: Ông/Bà"), V(me.name, "applicant_name")]),
        Line([T("Số định danh cá nhân:"), V(me.id_number, "applicant_id_number", 0.25),
              T("Số điện thoại:"), V(vl.phone_printed(rng, tel), "applicant_phone")]),
        Line([T("Địa chỉ:"), V(vl.address(rng))]),
        Line([T("Nội dung yêu cầu giải quyết:"), V(procedure, "procedure_name")]),
        Line([T("1. Thành phần hồ sơ nộp gồm:")]),
        Line([T("- Tờ khai theo mẫu (01 bản chính); - Bản sao giấy tờ tùy thân (01 bản)")]),
        Line([T("2. Số lượng hồ sơ:"), V("01 (bộ)", None, 0.2)]),
        Line([T("3. Thời gian giải quyết hồ sơ theo quy định là:"),
              V(f"{days:02d} ngày làm việc", None, 0.2)]),
        Line([T("4. Thời gian nhận hồ sơ:"), V(f"{rng.randint(8, 16):02d} giờ "
                                               f"{rng.randint(0, 59):02d} phút, ngày "
                                               f"{received:%d/%m/%Y}", "received_date")]),
        Line([T("5. Thời gian trả kết quả giải quyết hồ sơ:"),
              V(f"{rng.choice([8, 9, 10, 14, 15]):02d} giờ 00 phút, ngày {due:%d/%m/%Y}",
                "due_date")]),
        Line([T("6. Đăng ký nhận kết quả tại:"), V(rng.choice(["Tại Bộ phận một cửa",
                                                               "Qua dịch vụ bưu chính"]))]),
        Signs([Sign("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", me.name),
               Sign("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)",
                    vl.person_name(rng, rng.choice(["Nam", "Nữ"])))]),
    ]
    truth = {"dossier_code": code, "branch": branch, "applicant_name": me.name,
             "applicant_id_number": me.id_number, "applicant_phone": tel,
             "procedure_name": procedure, "received_date": iso(received), "due_date": iso(due)}
    return Form("dossier_receipt", blocks, truth, {"qr": code})


BUILDERS = {f.__name__: f for f in [
    birth_registration, death_registration, parent_child_recognition, residence_change,
    id_card_application, power_of_attorney, complaint, land_allocation_request,
    child_passport_application, unemployment_benefit_request, citizen_id_card,
    dossier_receipt]}
# Types that are forms citizens fill in (hand-filled variants exist); the others are printed.
HAND_FILLABLE = [t for t in BUILDERS if t not in ("citizen_id_card", "dossier_receipt")]
