"""The two documents without a template: a CCCD photocopy and the dossier receipt with its QR."""

from __future__ import annotations

import datetime as dt
import math

import qrcode
from PIL import Image, ImageDraw

from samples import fake
from samples.contract import TITLES
from samples.fake import Person
from samples.formkit import Form
from samples.render import Run, load_font, scrawl

PROCEDURES = {
    "birth_registration": ("Đăng ký khai sinh", "Tờ khai đăng ký khai sinh", 3),
    "death_registration": ("Đăng ký khai tử", "Tờ khai đăng ký khai tử", 3),
    "parent_child_recognition": (
        "Đăng ký nhận cha, mẹ, con",
        "Tờ khai đăng ký nhận cha, mẹ, con",
        5,
    ),
    "residence_change": ("Đăng ký thường trú", "Tờ khai thay đổi thông tin cư trú (CT01)", 7),
    "id_card_application": ("Cấp thẻ Căn cước công dân", "Tờ khai Căn cước công dân (CC01)", 7),
    "power_of_attorney": ("Chứng thực chữ ký trong giấy ủy quyền", "Giấy ủy quyền", 1),
    "complaint": ("Giải quyết khiếu nại lần đầu", "Đơn khiếu nại", 30),
    "land_allocation_request": (
        "Giao đất, cho thuê đất, chuyển mục đích sử dụng đất",
        "Đơn xin giao đất/cho thuê đất",
        20,
    ),
    "child_passport_application": (
        "Cấp hộ chiếu phổ thông cho người chưa đủ 14 tuổi",
        "Tờ khai đề nghị cấp hộ chiếu (TK01a)",
        8,
    ),
    "unemployment_benefit_request": (
        "Giải quyết hưởng trợ cấp thất nghiệp",
        "Đề nghị hưởng trợ cấp thất nghiệp",
        20,
    ),
}


# ---- citizen id card photocopy ------------------------------------------------------------


def card_expiry(p: Person, issued: dt.date) -> dt.date | None:
    """CCCD is valid to the 25th, 40th or 60th birthday; issued within 2 years of one, the next."""
    for age in (25, 40, 60):
        limit = fake.add_years(p.birth_date, age)
        if issued < fake.add_years(limit, -2):
            return limit
    return None  # "Không thời hạn"


def _emblem(d: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=90, width=max(2, int(r / 12)))
    pts = []
    for i in range(10):
        rr = r * (0.6 if i % 2 == 0 else 0.25)
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    d.polygon(pts, fill=110)


def _card(
    f: Form, p: Person, front: bool, scale: float, lines: list[str], boxes: list[tuple]
) -> Image.Image:
    """One side of the card drawn at `scale` x its 300-dpi size (85.6 x 54 mm = 1011 x 638).

    Appends the text lines to `lines` and (field, card-pixel bbox) of printed values to `boxes`.
    """
    r = f.rng
    W, H = round(1011 * scale), round(638 * scale)
    img = Image.new("L", (W, H), 236)
    d = ImageDraw.Draw(img)
    for k in range(0, H, round(14 * scale)):  # guilloche background, grey on a copy
        d.arc([-W // 2, k - H, W * 1.5, k + H], 200, 340, fill=222, width=1)
    d.rounded_rectangle([0, 0, W - 1, H - 1], radius=round(30 * scale), outline=120, width=3)
    fam = f.style.font

    def text(xy, s: str, font, fill: int, field: str | None = None, anchor: str = "la"):
        d.text(xy, s, font=font, fill=fill, anchor=anchor)
        if field:
            boxes.append((field, d.textbbox(xy, s, font=font, anchor=anchor)))

    def put(x: float, y: float, s: str, size: float, bold: bool = False, anchor: str = "la",
            field: str | None = None):  # fmt: skip
        font = load_font(fam, round(size * scale), bold, False)
        text((x * scale, y * scale), s, font, 20, field, anchor)
        lines.append(s)

    def put_field(x: float, y: float, label: str, value: str | None, size: float = 21,
                  field: str | None = None):  # fmt: skip
        font = load_font(fam, round(size * scale), False, False)
        bold = load_font(fam, round(size * 1.15 * scale), True, False)
        d.text((x * scale, y * scale), label, font=font, fill=30)
        if value is None:
            lines.append(label)
            return
        lx = x * scale + font.getlength(label + " ")
        text((lx, y * scale - 2 * scale), value, bold, 10, field)
        lines.append(f"{label} {value}")

    if front:
        _emblem(d, 80 * scale, 80 * scale, 52 * scale)
        put(520, 22, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 23, True, "ma")
        put(520, 52, "SOCIALIST REPUBLIC OF VIET NAM", 19, False, "ma")
        put(520, 78, "Độc lập - Tự do - Hạnh phúc", 20, True, "ma")
        put(520, 104, "Independence - Freedom - Happiness", 18, False, "ma")
        put(520, 138, "CĂN CƯỚC CÔNG DÂN", 34, True, "ma")
        put(520, 180, "Citizen Identity Card", 22, False, "ma")
        qr_text = "|".join(
            [
                p.id_number,
                "",
                p.name,
                p.birth_date.strftime("%d%m%Y"),
                p.gender,
                p.address.text(),
                f.fields.get("_issued", ""),
            ]
        )
        qr = qrcode.make(qr_text, border=1, box_size=2).get_image().convert("L")
        qr = qr.resize((round(150 * scale), round(150 * scale)), Image.NEAREST)
        img.paste(qr, (round(840 * scale), round(22 * scale)))
        # photo: a grey silhouette as it comes out of a copier
        d.rectangle([40 * scale, 220 * scale, 250 * scale, 490 * scale], fill=175)
        d.ellipse([95 * scale, 260 * scale, 195 * scale, 380 * scale], fill=95)
        d.ellipse([60 * scale, 370 * scale, 230 * scale, 560 * scale], fill=95)
        d.rectangle([40 * scale, 490 * scale, 250 * scale, 600 * scale], fill=236)
        x = 275
        put_field(x, 225, "Số / No.:", None, 24)
        font = load_font(fam, round(34 * scale), True, False)
        text((440 * scale, 218 * scale), p.id_number, font, 10, "id_number")
        lines[-1] = f"Số / No.: {p.id_number}"
        name = p.name.upper()
        put_field(x, 275, "Họ và tên / Full name:", None)
        put(x, 302, name, 28, True, field="full_name")
        put_field(x, 345, "Ngày sinh / Date of birth:", f.printed["birth_date"], field="birth_date")
        put_field(x, 380, "Giới tính / Sex:", p.gender, field="gender")
        # Nationality shares the sex line on the real card.
        lines[-1] += " Quốc tịch / Nationality: Việt Nam"
        fnt = load_font(fam, round(21 * scale), False, False)
        bold = load_font(fam, round(24 * scale), True, False)
        d.text((600 * scale, 380 * scale), "Quốc tịch / Nationality:", font=fnt, fill=30)
        xy = (600 * scale + fnt.getlength("Quốc tịch / Nationality: "), 378 * scale)
        text(xy, "Việt Nam", bold, 10, "nationality")
        put_field(x, 415, "Quê quán / Place of origin:", None)
        put(x, 442, p.hometown, 23, True, field="hometown")
        put_field(x, 480, "Nơi thường trú / Place of residence:", None)
        addr = p.address.text()
        cut = addr.rfind(",", 0, 45) if len(addr) > 45 else -1
        if cut > 0:
            put(x, 507, addr[: cut + 1], 23, True, field="permanent_address")
            put(x, 540, addr[cut + 2 :], 23, True, field="permanent_address")
        else:
            put(x, 507, addr, 23, True, field="permanent_address")
        exp = f.printed.get("expiry_date", "Không thời hạn")
        put(40, 575, "Có giá trị đến:", 17)
        put(40, 597, "Date of expiry", 15)
        lines[-2] = f"Có giá trị đến: {exp}"
        fnt = load_font(fam, round(20 * scale), True, False)
        text((175 * scale, 575 * scale), exp, fnt, 10, "expiry_date" if "/" in exp else None)
    else:
        put_field(40, 40, "Đặc điểm nhân dạng / Personal identification:", None)
        put(
            40,
            72,
            r.choice(
                [
                    "Nốt ruồi C:1cm trên trước đầu mày phải",
                    "Sẹo chấm C:2cm dưới sau mép trái",
                    "Nốt ruồi C:1,5cm dưới trước cánh mũi trái",
                ]
            ),
            22,
        )
        put_field(40, 120, "Ngày, tháng, năm / Date, month, year:", f.fields["_issued"])
        put(300, 165, "CỤC TRƯỞNG CỤC CẢNH SÁT", 20, True, "ma")
        put(300, 192, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", 20, True, "ma")
        put(300, 219, "DIRECTOR GENERAL OF THE POLICE DEPARTMENT", 14, False, "ma")
        put(300, 238, "FOR ADMINISTRATIVE MANAGEMENT OF SOCIAL ORDER", 14, False, "ma")
        scrawl(d, r, 300 * scale, 300 * scale, 180 * scale)
        put(300, 350, "Tô Văn Huệ", 22, True, "ma")
        for i, label in enumerate(["Ngón trỏ trái", "Ngón trỏ phải"]):
            bx = 640 + i * 180
            d.rounded_rectangle(
                [bx * scale, 60 * scale, (bx + 150) * scale, 260 * scale],
                radius=20 * scale,
                fill=170,
            )
            put(bx + 75, 268, label, 16, False, "ma")
        yy = p.birth_date.strftime("%y%m%d")
        mrz = [
            f"IDVNM{p.id_number[3:]}<{p.id_number}<<{r.randint(0, 9)}",
            f"{yy}{r.randint(0, 9)}{'M' if p.gender == 'Nam' else 'F'}"
            f"{(f.fields.get('expiry_date') or '2099-12-31')[2:].replace('-', '')}"
            f"{r.randint(0, 9)}VNM<<<<<<<<<<<{r.randint(0, 9)}",
            fake.strip_accents(p.name)
            .upper()
            .replace(" ", "<", 1)
            .replace(" ", "<<", 1)
            .replace(" ", "<"),
        ]
        mrz = [(m + "<" * 30)[:30] for m in mrz]
        mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
        mf = load_font(mono, round(30 * scale), False, False)
        for i, m in enumerate(mrz):
            d.text((40 * scale, (440 + i * 55) * scale), m, font=mf, fill=20)
            lines.append(m)
    return img


def citizen_id_card(f: Form, main: Person) -> None:
    r = f.rng
    for _ in range(6):  # a card handed in with a dossier is normally still valid
        issued = fake.random_date(
            r, max(dt.date(2021, 1, 1), fake.add_years(main.birth_date, 14)), dt.date(2025, 12, 31)
        )
        exp = card_expiry(main, issued)
        if exp is None or exp > fake.TODAY:
            break
    f.fields["_issued"] = f.date(issued, "slash")
    f.v("id_number", main.id_number)
    f.set("full_name", main.name.upper(), main.name.upper())
    f.v_date("birth_date", main.birth_date, "slash")
    f.v("gender", main.gender)
    f.v("nationality", "Việt Nam")
    f.v("hometown", main.hometown)
    f.v("permanent_address", main.address.text())
    if exp:
        f.v_date("expiry_date", exp, "slash")
    else:
        f.fields["expiry_date"] = None
    scale = r.uniform(1.55, 1.9)
    doc = f.doc
    doc.pages[-1].paste(246, (0, 0, doc.W, doc.H))  # photocopy paper is never quite white
    lines: list[str] = []
    y = doc.top + r.randint(0, 120)
    for front in (True, False):
        boxes: list[tuple] = []
        card = _card(f, main, front, scale, lines, boxes)
        x = (doc.W - card.width) // 2 + r.randint(-60, 60)
        doc.pages[-1].paste(card, (x, y))
        for field, b in boxes:
            doc._box(field, (b[0] + x, b[1] + y, b[2] + x, b[3] + y))
        y += card.height + r.randint(120, 300)
    doc.lines[-1].extend(lines)
    del f.fields["_issued"]


# ---- dossier receipt ----------------------------------------------------------------------


def add_workdays(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def dossier_receipt(f: Form, main: Person, procedures: list[str] | None = None) -> None:
    r = f.rng
    doc = f.doc
    f.style.line_gap = min(f.style.line_gap, 1.45)  # receipts are printed compact, one page
    branch_no = r.randint(1, 12)
    received = fake.random_date(r, dt.date(2025, 1, 2), fake.TODAY)
    while received.weekday() >= 5:
        received -= dt.timedelta(days=1)
    procedures = procedures or [r.choice(list(PROCEDURES))]
    proc_name, _, days = PROCEDURES[procedures[0]]
    due = add_workdays(received, days)
    code = f"000.{branch_no:02d}.17.H26-{received.strftime('%y%m%d')}-{r.randint(1, 2500):04d}"
    branch = f"Chi nhánh số {branch_no} - Trung tâm Phục vụ hành chính công thành phố Hà Nội"
    f.set("dossier_code", code, code)
    # header: agency on the left with the QR under it, motto on the right
    doc.columns(
        [
            Run("UBND THÀNH PHỐ HÀ NỘI"),
            Run("TRUNG TÂM PHỤC VỤ", bold=True),
            Run("HÀNH CHÍNH CÔNG", bold=True),
            Run(f"CHI NHÁNH SỐ {branch_no}", bold=True),
        ],
        [
            Run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True),
            Run(f"Độc lập {f.style.motto_dash} Tự do {f.style.motto_dash} Hạnh phúc", bold=True),
        ],
        split=0.42,
        scale=0.9,
    )
    qr = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(code)
    img = qr.make_image().get_image().convert("L")
    side = round(doc.dpi * r.uniform(0.85, 1.1))  # about an inch, like printed receipts
    img = img.resize((side, side), Image.NEAREST)
    mid = doc.left + round((doc.right - doc.left) * 0.42 / 2)
    doc.pages[-1].paste(img, (mid - side // 2, round(doc.y) + 10))
    doc.y += side + 30
    f.title(TITLES["dossier_receipt"], scale=1.1)
    doc.line(
        [Run("Mã hồ sơ: ", bold=True), Run(code, bold=True, field="dossier_code")], align="center"
    )
    doc.space(0.3)
    if r.random() < 0.5:
        f.item("Nơi tiếp nhận: ", f.v("branch", branch), numbered=False, dots=False)
        doc.text("tiếp nhận hồ sơ của:")
    else:
        doc.line([f.v("branch", branch), Run("tiếp nhận hồ sơ của:")])
    f.item("Ông/Bà: ", f.v_name("applicant_name", main.name), numbered=False, dots=False)
    f.item(
        f.pick("Số định danh cá nhân: ", "Số CCCD: ", "Số CMND/CCCD: "),
        f.v("applicant_id_number", main.id_number),
        numbered=False,
        dots=False,
    )
    f.item("Số điện thoại: ", f.v_phone("applicant_phone", main.phone), numbered=False, dots=False)
    f.item("Địa chỉ: ", Run(main.address.text()), numbered=False, dots=False)
    f.item(
        "Nội dung yêu cầu giải quyết: ",
        f.v("procedure_name", proc_name),
        numbered=False,
        dots=False,
    )
    f.n = 0
    f.item("Thành phần hồ sơ nộp gồm:", dots=False)
    for t in procedures:
        doc.line([Run(f"- {PROCEDURES[t][1]} (bản chính: 01)")], indent=doc.px * 1.5)
    doc.line([Run("- Bản sao Căn cước công dân (bản sao: 01)")], indent=doc.px * 1.5)
    f.item("Số lượng hồ sơ: ", Run("01 (bộ)"), dots=False)
    f.item(
        "Thời gian giải quyết hồ sơ theo quy định là: ",
        Run(f"{days:02d} ngày làm việc"),
        dots=False,
    )
    f.item(
        f"Thời gian nhận hồ sơ: {r.randint(8, 16):02d} giờ {r.randint(0, 59):02d} phút, ",
        f.v_date("received_date", received),
        dots=False,
    )
    f.item(
        f"Thời gian trả kết quả giải quyết hồ sơ: {r.randint(8, 16):02d} giờ 00 phút, ",
        f.v_date("due_date", due),
        dots=False,
    )
    f.item(
        "Đăng ký nhận kết quả tại: ",
        Run(f"Bộ phận trả kết quả, Chi nhánh số {branch_no}"),
        dots=False,
    )
    doc.line(
        [
            Run(
                f"Vào Sổ theo dõi hồ sơ, Quyển số: {r.randint(1, 9):02d}, "
                f"Số thứ tự: {r.randint(1, 999)}",
                italic=True,
            )
        ]
    )
    clerk = fake.full_name(r, r.choice(["Nam", "Nữ"]))
    doc.signature(
        r,
        None,
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký và ghi rõ họ tên)",
        clerk,
        left=("NGƯỜI NỘP HỒ SƠ", "(Ký và ghi rõ họ tên)", f.name(main.name)),
    )
    doc.space(0.5)
    doc.line(
        [
            Run(
                "Tra cứu tình trạng hồ sơ tại Cổng dịch vụ công thành phố Hà Nội bằng mã hồ sơ "
                "hoặc quét mã QR.",
                italic=True,
            )
        ],
        scale=0.85,
    )
