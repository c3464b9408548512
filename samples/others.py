"""`other` documents: letters, a shop receipt, a page of legal text. No contract fields."""

from __future__ import annotations

import datetime as dt

from samples import fake
from samples.fake import Person
from samples.formkit import Form
from samples.render import Run

LETTER_SUBJECTS = [
    ("GIẤY MỜI", "V/v: Mời họp tổ dân phố về công tác vệ sinh môi trường"),
    ("THÔNG BÁO", "V/v: Tạm ngừng cung cấp nước sinh hoạt để sửa chữa đường ống"),
    ("CÔNG VĂN", "V/v: Đề nghị cung cấp thông tin phục vụ công tác quản lý"),
    ("THƯ CẢM ƠN", "V/v: Cảm ơn quý khách hàng đã sử dụng dịch vụ"),
]
SENTENCES = [
    "Thực hiện kế hoạch công tác năm {y}, đơn vị chúng tôi trân trọng thông báo tới quý vị "
    "nội dung như sau.",
    "Thời gian dự kiến bắt đầu từ {t} giờ 00 phút, {d} tại hội trường nhà văn hóa {w}.",
    "Đề nghị các hộ gia đình cử đại diện tham dự đầy đủ và đúng giờ.",
    "Mọi thắc mắc xin liên hệ số điện thoại {p} trong giờ hành chính để được hướng dẫn.",
    "Rất mong nhận được sự phối hợp của quý vị để công việc đạt kết quả tốt.",
    "Trong thời gian thi công, đề nghị người dân chủ động dự trữ nước và chú ý an toàn khi đi "
    "qua khu vực có biển báo.",
    "Chúng tôi xin chân thành cảm ơn và kính chúc quý vị sức khỏe, hạnh phúc, thành công.",
]
SHOP_ITEMS = [
    ("Gạo ST25 (kg)", 32000),
    ("Dầu ăn Neptune 1L", 58000),
    ("Nước mắm Nam Ngư", 39000),
    ("Sữa tươi Vinamilk 1L", 35000),
    ("Giấy A4 Double A (ram)", 85000),
    ("Bút bi Thiên Long", 5000),
    ("Mì Hảo Hảo (thùng)", 118000),
    ("Trứng gà (chục)", 36000),
    ("Đường kính (kg)", 24000),
]
LAW = [
    (
        "Điều 20. Điều kiện đăng ký thường trú",
        [
            "1. Công dân có chỗ ở hợp pháp thuộc quyền sở hữu của mình thì được đăng ký thường trú "
            "tại chỗ ở hợp pháp đó.",
            "2. Công dân được đăng ký thường trú tại chỗ ở hợp pháp không thuộc "
            "quyền sở hữu của mình "
            "khi được chủ hộ và chủ sở hữu chỗ ở hợp pháp đó đồng ý.",
            "3. Việc đăng ký thường trú phải bảo đảm điều kiện về diện tích nhà ở "
            "tối thiểu do Hội đồng "
            "nhân dân cấp tỉnh quy định.",
        ],
    ),
    (
        "Điều 22. Thủ tục đăng ký thường trú",
        [
            "1. Người đăng ký thường trú nộp hồ sơ đăng ký thường trú đến cơ quan "
            "đăng ký cư trú nơi "
            "mình cư trú.",
            "2. Khi tiếp nhận hồ sơ đăng ký thường trú, cơ quan đăng ký cư trú "
            "kiểm tra và cấp phiếu "
            "tiếp nhận hồ sơ cho người đăng ký.",
            "3. Trong thời hạn 07 ngày làm việc kể từ ngày nhận được hồ sơ đầy đủ "
            "và hợp lệ, cơ quan "
            "đăng ký cư trú có trách nhiệm thẩm định, cập nhật thông tin về nơi thường trú mới.",
        ],
    ),
    (
        "Điều 23. Nơi cư trú của người không có nơi thường trú",
        [
            "1. Người không có nơi thường trú, nơi tạm trú do không đủ điều kiện đăng ký thì "
            "phải khai báo thông tin về cư trú với cơ quan đăng ký cư trú nơi ở hiện tại.",
            "2. Cơ quan đăng ký cư trú có trách nhiệm hướng dẫn và cập nhật thông tin vào Cơ sở "
            "dữ liệu về cư trú.",
        ],
    ),
    (
        "Điều 24. Xóa đăng ký thường trú",
        [
            "1. Người thuộc một trong các trường hợp do luật định thì bị xóa đăng ký thường trú.",
            "2. Cơ quan đã đăng ký thường trú có thẩm quyền xóa đăng ký thường trú.",
            "3. Trường hợp từ chối thì cơ quan đăng ký cư trú phải trả lời bằng văn bản và nêu rõ "
            "lý do.",
        ],
    ),
]


def vnd(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def letter(f: Form, main: Person) -> None:
    r = f.rng
    doc = f.doc
    org = r.choice(
        [
            f"UBND {main.address.ward.upper()}",
            "CÔNG TY CỔ PHẦN NƯỚC SẠCH HÀ NỘI",
            f"TỔ DÂN PHỐ SỐ {r.randint(1, 30)}",
        ]
    )
    title, subject = r.choice(LETTER_SUBJECTS)
    doc.columns(
        [Run(org, bold=True), Run(f"Số: {r.randint(10, 999)}/{title[:2]}", italic=True)],
        [
            Run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True),
            Run("Độc lập - Tự do - Hạnh phúc", bold=True),
        ],
    )
    d = fake.random_date(r, dt.date(2024, 1, 1), fake.TODAY)
    doc.line([Run(f"Hà Nội, {fake.fmt_date(d, 'words')}", italic=True)], align="right")
    doc.space(0.5)
    f.title(title)
    doc.center(subject, italic=True)
    doc.space(0.3)
    doc.line(
        [
            Run("Kính gửi: "),
            Run(
                r.choice(
                    ["Các hộ gia đình trong tổ dân phố", f"Ông/Bà {main.name}", "Quý khách hàng"]
                )
            ),
        ]
    )
    chosen = r.sample(range(len(SENTENCES)), r.randint(4, 6))
    for s in [SENTENCES[i] for i in sorted(chosen)]:  # keep the letter's natural order
        f.para(
            s.format(
                y=d.year,
                t=r.randint(7, 19),
                d=fake.fmt_date(d + dt.timedelta(7), "words"),
                w=main.address.ward,
                p=fake.fmt_phone(main.phone, "grouped"),
            )
        )
    doc.signature(
        r,
        None,
        r.choice(["TM. ỦY BAN NHÂN DÂN", "GIÁM ĐỐC", "TỔ TRƯỞNG"]),
        None,
        fake.full_name(r, r.choice(["Nam", "Nữ"])),
    )


def shop_receipt(f: Form, main: Person) -> None:
    r = f.rng
    doc = f.doc
    doc.center("CỬA HÀNG TẠP HÓA " + r.choice(["MINH ANH", "HẢI LONG", "THU HƯƠNG"]), bold=True)
    doc.center(fake.urban_address(r).text(), scale=0.9)
    doc.center(f"ĐT: {fake.fmt_phone(fake.phone(r), 'grouped')}", scale=0.9)
    doc.space(0.5)
    f.title(r.choice(["HÓA ĐƠN BÁN HÀNG", "PHIẾU THU"]))
    d = fake.random_date(r, dt.date(2024, 1, 1), fake.TODAY)
    doc.line([Run(f"Ngày: {fake.fmt_date(d)}"), Run(f"Số: {r.randint(100, 9999)}", tab=0.6)])
    doc.line([Run(f"Khách hàng: {main.name}")])
    doc.space(0.3)
    doc.line(
        [
            Run("STT", bold=True),
            Run("Tên hàng", bold=True, tab=0.08),
            Run("SL", bold=True, tab=0.55),
            Run("Đơn giá", bold=True, tab=0.65),
            Run("Thành tiền", bold=True, tab=0.82),
        ]
    )
    total = 0
    for i, (item, price) in enumerate(r.sample(SHOP_ITEMS, r.randint(3, 7)), 1):
        q = r.randint(1, 5)
        total += q * price
        doc.line(
            [
                Run(str(i)),
                Run(item, tab=0.08),
                Run(str(q), tab=0.55),
                Run(vnd(price), tab=0.65),
                Run(vnd(q * price), tab=0.82),
            ]
        )
    doc.space(0.3)
    doc.line([Run("Tổng cộng:", bold=True), Run(f"{vnd(total)} đ", bold=True, tab=0.82)])
    doc.line([Run("Cảm ơn quý khách và hẹn gặp lại!", italic=True)], align="center")
    doc.signature(
        r,
        None,
        "NGƯỜI BÁN HÀNG",
        None,
        fake.full_name(r, "Nữ"),
        left=("NGƯỜI MUA HÀNG", None, main.name),
    )


def legal_text(f: Form, main: Person) -> None:
    doc = f.doc
    doc.center("QUỐC HỘI", bold=True)
    doc.space(0.3)
    f.title("LUẬT CƯ TRÚ")
    doc.center("Chương III", bold=True)
    doc.center("ĐĂNG KÝ THƯỜNG TRÚ", bold=True)
    doc.space(0.5)
    start = f.rng.randrange(len(LAW) - 2)
    for head, clauses in LAW[start : start + 3]:
        doc.text(head, bold=True)
        for c in clauses:
            f.para(c, indent=False)
        doc.space(0.3)


OTHER_BUILDERS = {"letter": letter, "shop_receipt": shop_receipt, "legal_text": legal_text}
