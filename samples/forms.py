"""Builders of the ten civil forms, following the real templates in shared/realdata/vn-forms."""

from __future__ import annotations

import datetime as dt

from samples import fake
from samples.contract import TITLES
from samples.fake import Person
from samples.formkit import Form
from samples.render import Run

ISSUER = [
    "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    "Cục Cảnh sát QLHC về TTXH",
    "Bộ Công an",
]
HOSPITALS = [
    "Bệnh viện Phụ sản Hà Nội",
    "Bệnh viện Phụ sản Trung ương",
    "Bệnh viện Bạch Mai",
    "Bệnh viện Đa khoa Đức Giang",
    "Bệnh viện Thanh Nhàn",
    "Bệnh viện Đa khoa quốc tế Vinmec Times City",
]
DEATH_CAUSES = [
    "Bệnh già",
    "Suy tim",
    "Tai biến mạch máu não",
    "Nhồi máu cơ tim",
    "Ung thư phổi",
    "Suy đa tạng",
    "Xơ gan",
]
COMPANY_KIND = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV"]
COMPANY_TRADE = ["Thương mại", "Xây dựng", "Dịch vụ", "Công nghệ", "Điện tử", "May mặc", "Vận tải"]
COMPANY_NAME = [
    "Minh Phát",
    "Hà Thành",
    "Thăng Long",
    "Việt Hưng",
    "Hoàng Long",
    "An Khánh",
    "Sao Mai",
    "Đông Á",
    "Phú Thịnh",
    "Tân Việt",
]
BANKS = ["Vietcombank", "VietinBank", "BIDV", "Agribank", "Techcombank", "MB Bank", "VPBank"]


def signed_date(f: Form) -> dt.date:
    if f.anchor:
        return f.anchor - dt.timedelta(days=f.rng.randint(0, 14))
    return fake.random_date(f.rng, dt.date(2024, 1, 2), fake.TODAY)


def issue_date(f: Form, p: Person) -> dt.date:
    lo = max(dt.date(2016, 1, 1), fake.add_years(p.birth_date, 14))
    return fake.random_date(f.rng, lo, max(lo, dt.date(2025, 12, 31)))


def id_doc_runs(f: Form, field: str | None, p: Person) -> tuple[str, list[Run]]:
    """The 'Giấy tờ tùy thân' line: label and value, in one of the wordings seen on forms."""
    idr = f.set(field, p.id_number, p.id_number)
    if f.rng.random() < 0.5:
        label = f.pick("Giấy tờ tùy thân: ", "Giấy tờ tùy thân: ")
        tail = f", cấp ngày {f.date(issue_date(f, p), bare=True)}, nơi cấp: {f.rng.choice(ISSUER)}"
        return label + f.mark(3), [Run("Căn cước công dân số"), idr, Run(tail)]
    return f.pick("Số định danh cá nhân: ", "Số CMND/CCCD: "), [idr]


def company(f: Form) -> str:
    r = f.rng
    return f"{r.choice(COMPANY_KIND)} {r.choice(COMPANY_TRADE)} {r.choice(COMPANY_NAME)}"


def date_words(d: dt.date) -> str:
    return f"Ngày {num_words(d.day)} tháng {num_words(d.month)} năm {num_words(d.year)}"


def num_words(n: int) -> str:
    """Vietnamese number words up to 9999 (as written under birth dates on civil forms)."""
    units = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
    if n < 10:
        return units[n]
    if n < 20:
        return "mười" + ("" if n == 10 else " " + ("lăm" if n % 10 == 5 else units[n % 10]))
    if n < 100:
        t, u = divmod(n, 10)
        tail = {0: "", 1: " mốt", 5: " lăm", 4: " tư"}.get(u, " " + units[u])
        return f"{units[t]} mươi{tail}"
    if n < 1000:
        h, rest = divmod(n, 100)
        if rest == 0:
            return f"{units[h]} trăm"
        if rest < 10:
            return f"{units[h]} trăm linh {units[rest]}"
        return f"{units[h]} trăm {num_words(rest)}"
    th, rest = divmod(n, 1000)
    if rest == 0:
        return f"{units[th]} nghìn"
    if rest < 100:
        return f"{units[th]} nghìn không trăm {num_words(rest)}".replace("trăm không", "trăm linh")
    return f"{units[th]} nghìn {num_words(rest)}"


def commit_para(f: Form, s: str) -> None:
    f.para(s)


# ---- birth registration -------------------------------------------------------------------


def birth_registration(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    child_birth = signed - dt.timedelta(days=r.randint(3, 60))
    old = (signed - main.birth_date).days > 50 * 365
    if old:
        rel = r.choice(["Ông nội", "Ông ngoại"] if main.gender == "Nam" else ["Bà nội", "Bà ngoại"])
        father = fake.person(r, (22, 40), "Nam")
        mother = fake.person(r, (20, 38), "Nữ")
    elif main.gender == "Nam":
        rel, father, mother = "Cha", main, fake.person(r, (20, 38), "Nữ")
    else:
        rel, father, mother = "Mẹ", fake.person(r, (22, 45), "Nam"), main
    cg = r.choice(["Nam", "Nữ"])
    child = fake.full_name(r, cg, family=father.name.split()[0])
    f.header()
    f.title(TITLES["birth_registration"])
    f.item(
        f"Kính gửi: {f.mark(1)} ",
        f.v("receiver", fake.receiver_ward(r, main.address)),
        numbered=False,
    )
    f.item(
        f.pick("Họ, chữ đệm, tên người yêu cầu: ", "Họ và tên người yêu cầu: "),
        f.v_name("requester_name", main.name),
        numbered=False,
    )
    f.item(
        f"Nơi cư trú: {f.mark(2)} ", f.v("requester_residence", main.address.text()), numbered=False
    )
    label, runs = id_doc_runs(f, "requester_id_number", main)
    f.item(label, *runs, numbered=False)
    f.item("Quan hệ với người được khai sinh: ", f.v("relationship", rel), numbered=False)
    f.doc.text("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", bold=True)
    f.item(
        f.pick("Họ, chữ đệm, tên: ", "Họ và tên: "), f.v_name("child_name", child), numbered=False
    )
    f.item(
        "Ngày, tháng, năm sinh: ",
        f.v_date("child_birth_date", child_birth),
        Run(" ghi bằng chữ: " + date_words(child_birth)),
        numbered=False,
        dots=False,
    )
    f.row(
        ("Giới tính: ", f.v("child_gender", cg)),
        ("Dân tộc: ", f.v("child_ethnicity", "Kinh")),
        ("Quốc tịch: ", f.v("child_nationality", "Việt Nam")),
        numbered=False,
    )
    place = f"{r.choice(HOSPITALS)}, thành phố Hà Nội"
    f.item(f"Nơi sinh: {f.mark(4)} ", f.v("child_birth_place", place), numbered=False)
    f.item("Quê quán: ", f.v(None, father.hometown), numbered=False)
    for who, p, field in (("mẹ", mother, "mother_name"), ("cha", father, "father_name")):
        f.item(
            f.pick(f"Họ, chữ đệm, tên người {who}: ", f"Họ và tên {who}: "),
            f.v_name(field, p.name),
            numbered=False,
        )
        f.row(
            (f"Năm sinh: {f.mark(5)} ", f.v(None, str(p.birth_date.year))),
            ("Dân tộc: ", f.v(None, p.ethnicity)),
            ("Quốc tịch: ", f.v(None, "Việt Nam")),
            numbered=False,
        )
        f.item(f"Nơi cư trú: {f.mark(2)} ", f.v(None, main.address.text()), numbered=False)
    f.para(
        "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự "
        "thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật."
    )
    f.para("Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình.")
    place = r.choice(["Hà Nội", main.address.ward.replace("phường", "Phường").replace("xã", "Xã")])
    f.doc.line([Run("Làm tại:"), *f.signed(place, signed, "signed_place")])
    f.doc.signature(r, None, "Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", f.name(main.name))


# ---- death registration -------------------------------------------------------------------


def death_registration(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    death = signed - dt.timedelta(days=r.randint(1, 30))
    dg = r.choice(["Nam", "Nữ"])
    dec = fake.person(
        r, (62, 95), dg, family=main.name.split()[0] if dg == "Nam" else None, addr=main.address
    )
    if dec.birth_date >= death:
        dec.birth_date = fake.add_years(death, -70)
    rel = r.choice(["Con", "Con", "Cháu", "Con dâu" if main.gender == "Nữ" else "Con rể"])
    f.header()
    f.title(TITLES["death_registration"])
    f.item(
        f"Kính gửi: {f.mark(1)} ",
        f.v("receiver", fake.receiver_ward(r, main.address)),
        numbered=False,
    )
    f.item(
        f.pick("Họ, chữ đệm, tên người yêu cầu: ", "Họ và tên người yêu cầu: "),
        f.v_name("requester_name", main.name),
        numbered=False,
    )
    f.item(
        "Ngày, tháng, năm sinh: ", f.v_date("requester_birth_date", main.birth_date), numbered=False
    )
    f.item(f"Nơi cư trú: {f.mark(2)} ", f.v(None, main.address.text()), numbered=False)
    label, runs = id_doc_runs(f, "requester_id_number", main)
    f.item(label, *runs, numbered=False)
    f.item("Quan hệ với người đã chết: ", f.v("relationship", rel), numbered=False)
    f.doc.text("Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây:", bold=True)
    f.item(
        f.pick("Họ, chữ đệm, tên: ", "Họ và tên: "),
        f.v_name("deceased_name", dec.name),
        numbered=False,
    )
    if f.style.compact:
        f.row(
            (f.pick("Ngày, tháng, năm sinh: ", "Ngày sinh: "),
             f.v_date("deceased_birth_date", dec.birth_date)),
            ("Giới tính: ", f.v("deceased_gender", dg)),
            ("Dân tộc: ", f.v(None, dec.ethnicity)),
            numbered=False,
        )
        f.item("Quốc tịch: ", f.v(None, "Việt Nam"), numbered=False)
    else:
        f.item(
            "Ngày, tháng, năm sinh: ", f.v_date("deceased_birth_date", dec.birth_date),
            numbered=False,
        )
        f.row(
            ("Giới tính: ", f.v("deceased_gender", dg)),
            ("Dân tộc: ", f.v(None, dec.ethnicity)),
            ("Quốc tịch: ", f.v(None, "Việt Nam")),
            numbered=False,
        )
    f.item(f"Nơi cư trú cuối cùng: {f.mark(2)} ", f.v(None, dec.address.text()), numbered=False)
    label, runs = id_doc_runs(f, None, dec)
    f.item(label, *runs, numbered=False)
    hh, mm = r.randint(0, 23), r.randint(0, 59)
    f.item(
        f"Đã chết vào lúc: {hh:02d} giờ {mm:02d} phút, ",
        f.v_date("death_date", death, "words" if r.random() < 0.7 else None),
        numbered=False,
        dots=False,
    )
    home = r.random() < 0.4
    dplace = f"Tại nhà, {dec.address.text()}" if home else f"{r.choice(HOSPITALS)}, Hà Nội"
    f.item("Nơi chết: ", f.v("death_place", dplace), numbered=False)
    f.item("Nguyên nhân chết: ", f.v("death_cause", r.choice(DEATH_CAUSES)), numbered=False)
    issuer = f"UBND {dec.address.ward}" if home else r.choice(HOSPITALS)
    f.item(
        f"Số Giấy báo tử/Giấy tờ thay thế Giấy báo tử: {f.mark(4)} ",
        Run(f"{r.randint(10, 999)}/GBT do {issuer} cấp {f.date(death + dt.timedelta(1), 'words')}"),
        numbered=False,
        dots=False,
    )
    f.para(
        "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước "
        "pháp luật về cam đoan của mình."
    )
    f.doc.line([Run("Làm tại:"), *f.signed("Hà Nội", signed)])
    f.doc.signature(r, None, "Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", f.name(main.name))


# ---- parent/child recognition -------------------------------------------------------------


def parent_child_recognition(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    child_g = r.choice(["Nam", "Nữ"])
    if main.gender == "Nam" or r.random() < 0.5:
        # the parent files for themselves: "X là con của [requester]"
        father = main if main.gender == "Nam" else fake.person(r, (25, 50), "Nam")
        other = main
    else:
        # the mother files so that the child is recognised as the father's
        father = fake.person(r, (25, 50), "Nam")
        other = father
    child = fake.full_name(r, child_g, family=father.name.split()[0])
    cbirth = fake.random_date(
        r,
        max(fake.add_years(main.birth_date, 18), dt.date(2005, 1, 1)),
        signed - dt.timedelta(days=30),
    )
    f.header()
    f.title(TITLES["parent_child_recognition"])
    f.item(
        f"Kính gửi: {f.mark(1)} ",
        f.v("receiver", fake.receiver_ward(r, main.address)),
        numbered=False,
    )
    f.item(
        f.pick("Họ, chữ đệm, tên người yêu cầu: ", "Họ và tên người yêu cầu: "),
        f.v_name("requester_name", main.name),
        numbered=False,
    )
    f.item(
        "Ngày, tháng, năm sinh: ", f.v_date("requester_birth_date", main.birth_date), numbered=False
    )
    f.item(f"Nơi cư trú: {f.mark(2)} ", f.v(None, main.address.text()), numbered=False)
    label, runs = id_doc_runs(f, "requester_id_number", main)
    f.item(label, *runs, numbered=False)
    rel = "Cha" if main.gender == "Nam" else "Mẹ"
    f.item(f"Quan hệ với người nhận cha/mẹ/con: {f.mark(4)} ", f.v(None, rel), numbered=False)
    f.doc.text("Đề nghị cơ quan công nhận người có tên dưới đây:", bold=True)
    f.item(
        f.pick("Họ, chữ đệm, tên: ", "Họ và tên: "),
        f.v_name("recognized_name", child),
        numbered=False,
    )
    if f.style.compact:
        f.row(
            ("Ngày, tháng, năm sinh: ", f.v_date("recognized_birth_date", cbirth)),
            ("Giới tính: ", f.v(None, child_g)),
            ("Dân tộc: ", f.v(None, "Kinh")),
            numbered=False,
        )
        f.item("Quốc tịch: ", f.v(None, "Việt Nam"), numbered=False)
    else:
        f.item("Ngày, tháng, năm sinh: ", f.v_date("recognized_birth_date", cbirth),
               numbered=False)
        f.row(
            ("Giới tính: ", f.v(None, child_g)),
            ("Dân tộc: ", f.v(None, "Kinh")),
            ("Quốc tịch: ", f.v(None, "Việt Nam")),
            numbered=False,
        )
    f.item(f"Nơi cư trú: {f.mark(2)} ", f.v(None, main.address.text()), numbered=False)
    f.doc.line([Run("Là"), Run("con", bold=True), Run("của người có tên dưới đây:")])
    f.item(
        f.pick("Họ, chữ đệm, tên: ", "Họ và tên: "),
        f.v_name("other_party_name", other.name),
        numbered=False,
    )
    f.row(
        ("Ngày, tháng, năm sinh: ", f.v_date(None, other.birth_date)),
        ("Giới tính: ", f.v(None, other.gender)),
        ("Dân tộc: ", f.v(None, other.ethnicity)),
        ("Quốc tịch: ", f.v(None, "Việt Nam")),
        numbered=False,
    )
    f.item(f"Nơi cư trú: {f.mark(2)} ", f.v(None, other.address.text()), numbered=False)
    f.para(
        "Tôi cam đoan việc nhận con nói trên là đúng sự thật, tự nguyện, không có tranh chấp "
        "và chịu trách nhiệm trước pháp luật về cam đoan của mình."
    )
    f.doc.line([Run("Làm tại:"), *f.signed("Hà Nội", signed)])
    f.doc.signature(r, None, "Người yêu cầu", "(Ký, ghi rõ họ, chữ đệm, tên)", f.name(main.name))


# ---- residence change (CT01) --------------------------------------------------------------

REQUESTS = [
    "Đăng ký thường trú vào hộ gia đình {head} tại {addr}",
    "Đăng ký tạm trú tại {addr}",
    "Điều chỉnh thông tin về cư trú trong Cơ sở dữ liệu về cư trú do thay đổi chủ hộ",
    "Tách hộ, đăng ký thường trú tại {addr}",
    "Xóa đăng ký thường trú tại {addr} do chuyển đi nơi khác",
]


def residence_change(f: Form, main: Person) -> None:
    r = f.rng
    self_head = r.random() < 0.35
    head = (
        main
        if self_head
        else fake.person(r, (40, 80), family=main.name.split()[0], addr=main.address)
    )
    rel = (
        "Chủ hộ"
        if self_head
        else r.choice(["Con", "Vợ" if main.gender == "Nữ" else "Chồng", "Cháu", "Con dâu", "Em"])
    )
    f.header("Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA" if r.random() < 0.7 else None)
    f.title(TITLES["residence_change"])
    f.item(
        f"Kính gửi{f.mark(1)}: ",
        f.v("receiver", f"Công an {main.address.ward}, {main.address.district}, Hà Nội"),
        numbered=False,
    )
    f.item(f.pick("Họ, chữ đệm và tên: ", "Họ và tên: "), f.v_name("full_name", main.name))
    f.row(
        ("Ngày, tháng, năm sinh: ", f.v_date("birth_date", main.birth_date)),
        ("Giới tính: ", f.v("gender", main.gender)),
    )
    boxes = r.random() < f.style.boxes  # the CT01 of Thông tư 66/2023 prints 12 cells
    f.id_item(
        f.pick("Số định danh cá nhân: ", "CCCD: ", "Số CMND/CCCD: "),
        "id_number",
        main.id_number,
        boxes,
    )
    f.row(
        ("Số điện thoại liên hệ: ", f.v_phone("phone", main.phone)),
        ("Email: ", f.v("email", main.email)),
    )
    f.row(
        (
            f.pick("Họ, chữ đệm và tên chủ hộ: ", "Họ và tên chủ hộ: "),
            f.v_name("household_head_name", head.name),
        ),
        ("Mối quan hệ với chủ hộ: ", f.v("relationship_to_head", rel)),
    )
    f.id_item(
        "Số định danh cá nhân của chủ hộ: ", "household_head_id_number", head.id_number, boxes
    )
    req = r.choice(REQUESTS).format(head=f"ông/bà {head.name}", addr=main.address.text())
    f.item(f"Nội dung đề nghị{f.mark(2)}: ", f.v("request_content", req))
    f.item("Những thành viên trong hộ gia đình cùng thay đổi: ", Run("Không"))
    signed = signed_date(f)
    f.doc.signature(
        r,
        f.signed("Hà Nội", signed, italic=True),
        "NGƯỜI KÊ KHAI",
        "(Ký, ghi rõ họ tên)",
        f.name(main.name),
        left=("Ý KIẾN CỦA CHỦ HỘ", "(Ghi rõ nội dung, ký, ghi rõ họ tên)", f.name(head.name))
        if not self_head
        else None,
    )
    f.fields.pop("signed_date", None)  # printed, but not a contract field of this type
    f.printed.pop("signed_date", None)


# ---- id card application (CC01) -----------------------------------------------------------


def id_card_application(f: Form, main: Person) -> None:
    r = f.rng
    f.header("Mẫu CC01" if r.random() < 0.6 else None)
    f.title(TITLES["id_card_application"])
    f.item(f"Họ, chữ đệm và tên{f.mark(1)}: ", f.v_name("full_name", main.name))
    f.item(f"Họ, chữ đệm và tên gọi khác (nếu có){f.mark(1)}: ", Run("Không"))
    f.row(
        ("Ngày, tháng, năm sinh: ", f.v_date("birth_date", main.birth_date)),
        ("Giới tính (Nam/nữ): ", f.v("gender", main.gender)),
    )
    f.id_item(
        f.pick("Số CMND/CCCD: ", "Số định danh cá nhân: "),
        "id_number",
        main.id_number,
    )
    f.row(
        ("Dân tộc: ", f.v("ethnicity", main.ethnicity)),
        ("Tôn giáo: ", f.v("religion", main.religion)),
        ("Quốc tịch: ", f.v("nationality", "Việt Nam")),
    )
    f.row(
        ("Tình trạng hôn nhân: ", f.v("marital_status", r.choice(fake.MARITAL))),
        ("Nhóm máu (nếu có): ", Run(r.choice(["O", "A", "B", "AB", "Không rõ"]))),
    )
    f.item("Nơi đăng ký khai sinh: ", Run(main.hometown))
    f.item("Quê quán: ", f.v("hometown", main.hometown))
    f.item("Nơi thường trú: ", f.v("permanent_address", main.address.text()))
    current = main.address if r.random() < 0.6 else fake.address(r)
    f.item("Nơi ở hiện tại: ", f.v("current_address", current.text()))
    f.row(
        ("Nghề nghiệp: ", f.v("occupation", main.occupation)),
        ("Trình độ học vấn: ", Run(r.choice(["12/12", "Đại học", "Cao đẳng", "9/12"]))),
    )
    father = fake.full_name(r, "Nam", family=main.name.split()[0])
    mother = fake.full_name(r, "Nữ")
    f.item(f.pick("Họ, chữ đệm và tên cha: ", "Họ và tên cha: "), Run(f.name(father)))
    f.item(f.pick("Họ, chữ đệm và tên mẹ: ", "Họ và tên mẹ: "), Run(f.name(mother)))
    f.doc.signature(
        r,
        f.signed("Hà Nội", signed_date(f), italic=True),
        "NGƯỜI KHAI",
        "(Ký, ghi rõ họ, chữ đệm và tên)",
        f.name(main.name),
    )
    f.fields.pop("signed_date", None)
    f.printed.pop("signed_date", None)


# ---- power of attorney --------------------------------------------------------------------

SCOPES = [
    "Thay mặt tôi nhận lương hưu hằng tháng tại điểm chi trả của Bưu điện {ward}",
    "Thay mặt tôi làm thủ tục và nhận trợ cấp bảo hiểm xã hội một lần",
    "Thay mặt tôi nộp hồ sơ và nhận kết quả cấp đổi thẻ bảo hiểm y tế",
    "Thay mặt tôi nhận chế độ ốm đau, thai sản tại cơ quan bảo hiểm xã hội {district}",
]


def power_of_attorney(f: Form, main: Person) -> None:
    r = f.rng
    grantee = fake.person(r, (22, 60))
    signed = signed_date(f)
    f.header()
    f.title(TITLES["power_of_attorney"])
    f.doc.text("I. Người ủy quyền:", bold=True)
    for who, p in (("grantor", main), ("grantee", grantee)):
        if who == "grantee":
            f.doc.text("II. Người được ủy quyền:", bold=True)
        f.item(
            f.pick("Họ và tên: ", "Họ, chữ đệm, tên: "),
            f.v_name(f"{who}_name", p.name),
            Run(", sinh ngày"),
            f.v_date(f"{who}_birth_date", p.birth_date, bare=True),
            numbered=False,
            dots=False,
        )
        if who == "grantor":
            f.item("Mã số BHXH: ", Run(f"01{r.randrange(10**8):08d}"), numbered=False)
            f.item(
                "Loại chế độ được hưởng: ",
                Run(r.choice(["Lương hưu", "Trợ cấp BHXH"])),
                numbered=False,
            )
            f.item("Số điện thoại liên hệ: ", f.v_phone("grantor_phone", p.phone), numbered=False)
        idl = f.pick("Số CMND/số căn cước công dân/số hộ chiếu: ", "Số định danh cá nhân: ",
                     "Số CMND/số căn cước công dân/số hộ chiếu/: ")
        if f.style.compact:
            f.item(idl, f.v(f"{who}_id_number", p.id_number), Run(f"do {r.choice(ISSUER)}"),
                   numbered=False, dots=False)
            f.item("cấp ngày ", Run(f.date(issue_date(f, p), "slash")), numbered=False)
        else:
            f.item(
                idl,
                f.v(f"{who}_id_number", p.id_number),
                Run(f"do {r.choice(ISSUER)} cấp ngày {f.date(issue_date(f, p), 'slash')}"),
                numbered=False,
                dots=False,
            )
        f.item(
            f"Nơi cư trú {f.mark(1)}: ".replace(" :", ":"), Run(p.address.text()), numbered=False
        )
        if who == "grantee":
            f.item("Số điện thoại: ", f.v_phone("grantee_phone", p.phone), numbered=False)
    f.doc.text(f"III. Nội dung ủy quyền{f.mark(2)}:", bold=True)
    scope = r.choice(SCOPES).format(ward=main.address.ward, district=main.address.district)
    f.doc.line([f.v("scope", scope)])
    start = signed + dt.timedelta(days=r.randint(1, 10))
    months = r.choice([6, 12, 24])
    end = start + dt.timedelta(days=months * 30)
    dur = r.choice(
        [
            f"Từ ngày {f.date(start, 'slash')} đến ngày {f.date(end, 'slash')}",
            f"{months} tháng kể từ ngày ký",
        ]
    )
    f.doc.line([Run(f"IV. Thời hạn ủy quyền: {f.mark(3)} ", bold=True), f.v("duration", dur)])
    f.para("Chúng tôi cam kết chấp hành đúng nội dung ủy quyền như đã nêu ở trên.")
    f.para(
        "Trong trường hợp người ủy quyền (người hưởng chế độ) xuất cảnh trái phép hoặc bị Tòa "
        "án tuyên bố là mất tích hoặc bị chết hoặc có căn cứ xác định việc hưởng BHXH không "
        "đúng quy định của pháp luật thì Tôi là người được ủy quyền cam kết sẽ thông báo kịp "
        "thời cho đại diện chi trả hoặc BHXH cấp huyện."
    )
    f.doc.signature(
        r,
        f.signed("Hà Nội", signed, italic=True),
        "NGƯỜI ỦY QUYỀN",
        "(Ký, ghi rõ họ tên)",
        f.name(main.name),
        left=("NGƯỜI ĐƯỢC ỦY QUYỀN", "(Ký, ghi rõ họ tên)", f.name(grantee.name)),
    )


# ---- complaint ----------------------------------------------------------------------------

GRIEVANCES = [
    "Ngày {d}, {resp} ban hành quyết định xử phạt vi phạm hành chính đối với gia đình tôi về "
    "việc xây dựng công trình phụ trên đất ở hợp pháp. Tôi cho rằng quyết định này không đúng "
    "quy định vì công trình đã được cấp phép.",
    "Ngày {d}, {resp} từ chối tiếp nhận hồ sơ đăng ký biến động đất đai của tôi mà không nêu rõ "
    "lý do bằng văn bản, gây ảnh hưởng đến quyền lợi hợp pháp của gia đình tôi.",
    "Từ ngày {d}, {resp} chưa giải quyết việc bồi thường, hỗ trợ khi thu hồi đất của gia đình "
    "tôi theo phương án đã được phê duyệt.",
]


def complaint(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    resp = r.choice(
        [
            f"Ủy ban nhân dân {main.address.ward}",
            f"Chủ tịch Ủy ban nhân dân {main.address.ward}",
            f"Phòng Tài nguyên và Môi trường {main.address.district}",
        ]
    )
    f.header()
    f.doc.line(f.signed("Hà Nội", signed, "signed_place", italic=True), align="right")
    f.doc.space(0.3)
    f.title(TITLES["complaint"])
    recv = f"Chủ tịch Ủy ban nhân dân {main.address.district}"
    f.item("Kính gửi: ", f.v("receiver", recv), numbered=False)
    f.item(
        "Tên tôi là: ",
        f.v_name("complainant_name", main.name),
        Run(", sinh ngày"),
        f.v_date("complainant_birth_date", main.birth_date, bare=True),
        numbered=False,
    )
    f.item("Thường trú tại: ", f.v("complainant_address", main.address.text()), numbered=False)
    issued = Run(f"{f.date(issue_date(f, main))}, {r.choice(ISSUER)}")
    if f.style.compact:
        f.row(
            (f.pick("Số CMND/CCCD ", "Số định danh cá nhân: "),
             f.v("complainant_id_number", main.id_number)),
            ("Ngày và nơi cấp: ", issued),
            numbered=False,
        )
    else:
        f.item(
            f.pick("Số CMND/CCCD: ", "Số định danh cá nhân: "),
            f.v("complainant_id_number", main.id_number),
            numbered=False,
        )
        f.item("Ngày và nơi cấp: ", issued, numbered=False)
    f.item("Hiện đang (làm gì, ở đâu): ", Run(f"{main.occupation}, tại Hà Nội"), numbered=False)
    f.item("Khiếu nại về hành vi hành chính của: ", f.v("respondent_name", resp), numbered=False)
    f.doc.text("Giải trình vụ việc cần khiếu nại:", bold=True)
    d = f.date(signed - dt.timedelta(days=r.randint(20, 200)), bare=True)
    f.para(r.choice(GRIEVANCES).format(d=d, resp=resp))
    f.doc.text("Yêu cầu giải quyết khiếu nại:", bold=True)
    f.para("- Đề nghị thẩm tra, xác minh và xem xét lại toàn bộ vụ việc.", indent=False)
    f.para(
        "- Giải quyết lại theo đúng chính sách pháp luật, đúng quyền lợi hợp pháp.", indent=False
    )
    f.para(
        "Tôi xin cam đoan về nội dung khiếu nại trên là đúng sự thật và xin chịu trách nhiệm "
        "về nội dung đã khiếu nại. Xin chân thành cảm ơn quý cơ quan."
    )
    f.doc.signature(r, None, "NGƯỜI KHIẾU NẠI", "(Ký, ghi rõ họ tên)", f.name(main.name))


# ---- land allocation ----------------------------------------------------------------------

PURPOSES = [
    ("Xây dựng nhà ở", "Lâu dài"),
    ("Chuyển mục đích từ đất trồng cây lâu năm sang đất ở", "Lâu dài"),
    ("Sản xuất nông nghiệp, trồng cây hàng năm", "20 năm"),
    ("Xây dựng cơ sở sản xuất kinh doanh", "50 năm kể từ ngày có quyết định"),
    ("Nuôi trồng thủy sản", "20 năm"),
]


def land_allocation_request(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    district = r.choice(list(fake.HANOI_RURAL))
    commune = r.choice(fake.HANOI_RURAL[district])
    f.header()
    f.doc.line(f.signed("Hà Nội", signed, italic=True), align="right")
    f.doc.space(0.3)
    f.title(TITLES["land_allocation_request"])
    f.item("Kính gửi: ", f.v("receiver", f"Ủy ban nhân dân huyện {district}"), numbered=False)
    f.item(
        "Người xin giao đất/cho thuê đất/cho phép chuyển mục đích sử dụng đất: ",
        f.v_name("applicant_name", main.name),
    )
    f.item("Địa chỉ/trụ sở chính: ", f.v("applicant_address", main.address.text()))
    f.item("Địa chỉ liên hệ: ", Run(f"{main.address.text()}, điện thoại {f.phone(main.phone)}"))
    loc = (
        f"Thửa đất số {r.randint(5, 900)}, tờ bản đồ số {r.randint(1, 60)}, thôn "
        f"{r.choice(fake.VILLAGES)}, xã {commune}, huyện {district}, Hà Nội"
    )
    f.item("Địa điểm khu đất: ", f.v("land_location", loc))
    area = r.choice(
        [
            round(r.uniform(40, 400), 1),
            float(r.randint(60, 300)),
            round(r.uniform(1000, 20000), r.choice([0, 1])),
        ]
    )
    value: float | int = int(area) if area == int(area) else area
    purpose, term = r.choice(PURPOSES)
    if f.style.compact:
        f.row(
            ("Diện tích (m2): ", f.v("land_area_m2", fake.fmt_number_vn(area), value)),
            ("Thời hạn sử dụng: ", f.v("land_term", term)),
        )
        f.item("Để sử dụng vào mục đích: ", f.v("land_purpose", purpose))
    else:
        f.item("Diện tích (m2): ", f.v("land_area_m2", fake.fmt_number_vn(area), value))
        f.item("Để sử dụng vào mục đích: ", f.v("land_purpose", purpose))
        f.item("Thời hạn sử dụng: ", f.v("land_term", term))
    f.item(
        "Cam kết sử dụng đất đúng mục đích, chấp hành đúng các quy định của pháp luật đất đai, "
        "nộp tiền sử dụng đất/tiền thuê đất (nếu có) đầy đủ, đúng hạn;",
        dots=False,
    )
    f.item("Các cam kết khác (nếu có): ", Run("Không"), numbered=False)
    f.doc.signature(r, None, "NGƯỜI LÀM ĐƠN", "(Ký và ghi rõ họ tên)", f.name(main.name))


# ---- child passport (two pages) -----------------------------------------------------------


def child_passport_application(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    cg = r.choice(["Nam", "Nữ"])
    cbirth = fake.random_date(r, fake.add_years(signed, -13), signed - dt.timedelta(60))
    spouse = fake.person(r, (25, 50), "Nữ" if main.gender == "Nam" else "Nam", addr=main.address)
    father, mother = (main, spouse) if main.gender == "Nam" else (spouse, main)
    family = father.name.split()[0]
    given = fake.full_name(r, cg, family=family).split(" ", 1)[1]
    child_id = fake.id_number(r, cbirth, cg, main.province_code)
    f.header()
    f.title(
        "TỜ KHAI", "Đề nghị cấp hộ chiếu phổ thông ở trong nước", "dành cho người chưa đủ 14 tuổi"
    )
    f.doc.text("A. Thông tin người đại diện hợp pháp:", bold=True)
    f.item(f"Họ và tên{f.mark(2)}: ".replace(" :", ":"), f.v_name("guardian_name", main.name))
    f.row(
        ("Sinh ngày ", f.v_date("guardian_birth_date", main.birth_date, bare=True)),
        ("Giới tính (Nam/Nữ): ", f.v(None, main.gender)),
    )
    if r.random() < f.style.boxes:
        f.id_item(f.pick("Số CCCD/CMND: ", "Số định danh cá nhân: "), "guardian_id_number",
                  main.id_number, True)
        f.item("Ngày cấp ", Run(f.date(issue_date(f, main), "slash")))
    else:
        f.row(
            (
                f.pick("Số CCCD/CMND: ", "Số định danh cá nhân: "),
                f.v("guardian_id_number", main.id_number),
            ),
            ("Ngày cấp ", Run(f.date(issue_date(f, main), "slash"))),
        )
    f.item("Địa chỉ thường trú: ", Run(main.address.text()))
    f.item("Số điện thoại: ", f.v_phone("guardian_phone", main.phone))
    rel = "Cha" if main.gender == "Nam" else "Mẹ"
    f.item("Quan hệ với người dưới 14 tuổi đề nghị cấp hộ chiếu: ", Run(rel))
    f.doc.space(0.3)
    f.doc.text("B. Thông tin về người chưa đủ 14 tuổi đề nghị cấp hộ chiếu:", bold=True)
    f.n = 0
    f.fields["child_name"] = fake.nfc(f.name(f"{family} {given}"))
    f.printed["child_name"] = f.fields["child_name"]
    if f.style.compact:  # "1. Họ … Chữ đệm và tên …(2) 2. Giới tính(Nam/Nữ): …"
        f.row(
            ("Họ ", Run(f.name(family), field="child_name", hand=True)),
            ("Chữ đệm và tên ", Run(f.name(given), field="child_name", hand=True)),
            ("Giới tính (Nam/Nữ): ", f.v("child_gender", cg)),
        )
    else:
        f.row(
            ("Họ ", Run(f.name(family), field="child_name", hand=True)),
            ("Chữ đệm và tên ", Run(f.name(given), field="child_name", hand=True)),
        )
        f.item("Giới tính (Nam/Nữ): ", f.v("child_gender", cg))
    f.row(
        ("Sinh ngày ", f.v_date("child_birth_date", cbirth, bare=True)),
        ("Nơi sinh (tỉnh, thành phố): ", Run("Hà Nội")),
    )
    f.id_item("Số định danh cá nhân: ", "child_id_number", child_id)
    f.row(
        ("Quốc tịch: ", Run("Việt Nam")), ("Dân tộc: ", Run("Kinh")), ("Tôn giáo: ", Run("Không"))
    )
    f.item("Địa chỉ đăng ký thường trú: ", Run(main.address.text()))
    f.doc.new_page()  # the real form continues on a second sheet
    f.item("Địa chỉ đăng ký tạm trú: ", Run("Không"))
    f.item(
        "Cha: họ và tên ",
        f.v_name("father_name", father.name),
        Run(" sinh ngày"),
        Run(f.date(father.birth_date, "slash")),
        dots=False,
    )
    f.doc.line(
        [
            Run("Mẹ: họ và tên "),
            f.v_name("mother_name", mother.name),
            Run(" sinh ngày"),
            Run(f.date(mother.birth_date, "slash")),
        ],
        indent=f.doc.px * 1.2,
    )
    f.item("Hộ chiếu phổ thông lần gần nhất (nếu có) số: ", Run("Chưa được cấp"))
    f.item(f"Nội dung đề nghị{f.mark(4)}: ", Run("Cấp hộ chiếu lần đầu"))
    f.para("Tôi xin cam đoan những thông tin trên là đúng sự thật.")
    f.doc.signature(
        r,
        f.signed("Hà Nội", signed, italic=True),
        "NGƯỜI ĐẠI DIỆN HỢP PHÁP",
        "(Ký, ghi rõ họ tên)",
        f.name(main.name),
    )


# ---- unemployment benefit (two pages) -----------------------------------------------------

REASONS = [
    "Hết hạn hợp đồng lao động",
    "Đơn phương chấm dứt hợp đồng lao động đúng pháp luật",
    "Người sử dụng lao động cắt giảm lao động",
    "Thỏa thuận chấm dứt hợp đồng",
]


def unemployment_benefit_request(f: Form, main: Person) -> None:
    r = f.rng
    signed = signed_date(f)
    term = signed - dt.timedelta(days=r.randint(5, 85))
    months = r.randint(12, 180)
    f.header()
    f.title(TITLES["unemployment_benefit_request"])
    f.item("Kính gửi: ", f.v("receiver", "Trung tâm Dịch vụ việc làm Hà Nội"), numbered=False)
    f.item(
        "Tên tôi là: ",
        f.v_name("applicant_name", main.name),
        Run(" sinh ngày"),
        f.v_date("applicant_birth_date", main.birth_date, bare=True),
        numbered=False,
    )
    f.item(
        f.pick("Số định danh cá nhân/Chứng minh nhân dân: ", "Số định danh cá nhân: "),
        f.v("applicant_id_number", main.id_number),
        Run(f"cấp ngày {f.date(issue_date(f, main), 'words', bare=True)} Nơi cấp: {ISSUER[1]}"),
        numbered=False,
        dots=False,
    )
    si = f"01{r.randrange(10**8):08d}"
    if f.style.compact:
        f.row(
            ("Số sổ BHXH: ", f.v("social_insurance_number", si)),
            ("Trình độ đào tạo: ", Run(r.choice(["Đại học", "Cao đẳng", "Trung cấp"]))),
            numbered=False,
        )
    else:
        f.item("Số sổ BHXH: ", f.v("social_insurance_number", si), numbered=False)
    f.row(
        ("Số điện thoại: ", f.v_phone("phone", main.phone)),
        ("Địa chỉ email (nếu có): ", f.v("email", main.email)),
        numbered=False,
    )
    acct = "".join(str(r.randrange(10)) for _ in range(r.choice([10, 12, 13, 14])))
    f.item(
        "Số tài khoản (ATM nếu có): ",
        f.v("bank_account_number", acct),
        Run(f"tại ngân hàng: {r.choice(BANKS)}"),
        numbered=False,
        dots=False,
    )
    f.item(
        "Trình độ đào tạo: ", Run(r.choice(["Đại học", "Cao đẳng", "Trung cấp"])), numbered=False
    )
    f.item(
        "Ngành nghề đào tạo: ",
        Run(r.choice(["Kế toán", "Quản trị kinh doanh", "Cơ khí", "Công nghệ thông tin"])),
        numbered=False,
    )
    f.item("Chỗ ở hiện nay: ", Run(main.address.text()), numbered=False)
    emp = company(f)
    f.item(
        "Ngày ",
        f.v_date("termination_date", term, "slash"),
        Run(", tôi đã chấm dứt hợp đồng lao động/hợp đồng làm việc với"),
        f.v("employer_name", emp),
        numbered=False,
        dots=False,
    )
    f.item("tại địa chỉ: ", Run(fake.urban_address(r).text()), numbered=False)
    f.item(
        "Lý do chấm dứt hợp đồng lao động/hợp đồng làm việc: ",
        Run(r.choice(REASONS)),
        numbered=False,
    )
    f.item(
        "Loại hợp đồng lao động/hợp đồng làm việc: ",
        Run(r.choice(["Xác định thời hạn 36 tháng", "Không xác định thời hạn"])),
        numbered=False,
    )
    f.item(
        "Số tháng đóng bảo hiểm thất nghiệp: ",
        f.v("insured_months", str(months), months),
        Run("tháng."),
        numbered=False,
        dots=False,
    )
    f.doc.new_page()  # page 2 of the form
    f.item(
        "Nơi đề nghị nhận trợ cấp thất nghiệp (BHXH quận/huyện hoặc qua thẻ ATM): ",
        Run("Qua thẻ ATM"),
        numbered=False,
    )
    f.para(
        "Kèm theo Đề nghị này là bản chính quyết định thôi việc và Sổ bảo hiểm xã hội của tôi. "
        "Đề nghị quý Trung tâm xem xét, giải quyết hưởng trợ cấp thất nghiệp cho tôi theo đúng "
        "quy định."
    )
    f.para(
        "Tôi cam đoan nội dung ghi trên là hoàn toàn đúng sự thật, nếu sai tôi sẽ chịu trách "
        "nhiệm trước pháp luật."
    )
    f.doc.signature(
        r,
        f.signed("Hà Nội", signed, italic=True),
        "Người đề nghị",
        "(Ký, ghi rõ họ tên)",
        f.name(main.name),
    )


BUILDERS = {
    "birth_registration": birth_registration,
    "death_registration": death_registration,
    "parent_child_recognition": parent_child_recognition,
    "residence_change": residence_change,
    "id_card_application": id_card_application,
    "power_of_attorney": power_of_attorney,
    "complaint": complaint,
    "land_allocation_request": land_allocation_request,
    "child_passport_application": child_passport_application,
    "unemployment_benefit_request": unemployment_benefit_request,
}
