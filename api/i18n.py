"""Vietnamese (first) and English display names for the codes the pages show: document types,
field names and kinds, review states and reasons, timeline events, server messages; and Hà Nội
time.

Document type titles come from the one source of types, ``extractors/schemas.json`` (the first
printed title, in sentence case); everything else is a table here. A code with no entry is
shown as itself, so a new code is visible (and untranslated) rather than hidden.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LANGS = ("vi", "en")
SCHEMAS = Path(__file__).resolve().parent.parent / "extractors" / "schemas.json"


def sentence_case(title: str) -> str:
    """``TỜ KHAI ĐĂNG KÝ KHAI SINH`` -> ``Tờ khai đăng ký khai sinh``."""
    t = " ".join(title.split()).lower()
    return t[:1].upper() + t[1:]


@functools.lru_cache(maxsize=1)
def type_titles() -> dict[str, str]:
    """{document type: Vietnamese title}, from ``extractors/schemas.json``."""
    data = json.loads(SCHEMAS.read_text(encoding="utf-8"))
    out = {}
    for code, spec in data.items():
        if code.startswith("_") or not isinstance(spec, dict) or not spec.get("titles"):
            continue
        out[code] = sentence_case(spec["titles"][0])
    return out


TYPES_EN = {
    "birth_registration": "Birth registration", "death_registration": "Death registration",
    "parent_child_recognition": "Parent-child recognition",
    "residence_change": "Residence change", "id_card_application": "ID card application",
    "power_of_attorney": "Power of attorney", "complaint": "Complaint",
    "land_allocation_request": "Land allocation request",
    "child_passport_application": "Child passport application",
    "unemployment_benefit_request": "Unemployment benefit request",
    "citizen_id_card": "Citizen ID card", "dossier_receipt": "Dossier receipt",
}

FIELDS_VI = {
    "applicant_address": "Địa chỉ người nộp", "applicant_birth_date": "Ngày sinh người nộp",
    "applicant_id_number": "Số định danh người nộp", "applicant_name": "Họ tên người nộp",
    "applicant_phone": "Điện thoại người nộp", "bank_account_number": "Số tài khoản",
    "birth_date": "Ngày sinh", "branch": "Chi nhánh", "child_birth_date": "Ngày sinh của con",
    "child_birth_place": "Nơi sinh của con", "child_ethnicity": "Dân tộc của con",
    "child_gender": "Giới tính của con", "child_id_number": "Số định danh của con",
    "child_name": "Họ tên của con", "child_nationality": "Quốc tịch của con",
    "complainant_address": "Địa chỉ người khiếu nại",
    "complainant_birth_date": "Ngày sinh người khiếu nại",
    "complainant_id_number": "Số định danh người khiếu nại",
    "complainant_name": "Họ tên người khiếu nại", "current_address": "Nơi ở hiện tại",
    "death_cause": "Nguyên nhân chết", "death_date": "Ngày chết", "death_place": "Nơi chết",
    "deceased_birth_date": "Ngày sinh người chết", "deceased_gender": "Giới tính người chết",
    "deceased_name": "Họ tên người chết", "dossier_code": "Mã hồ sơ", "due_date": "Ngày hẹn trả",
    "duration": "Thời hạn", "email": "Thư điện tử", "employer_name": "Đơn vị sử dụng lao động",
    "ethnicity": "Dân tộc", "expiry_date": "Có giá trị đến", "father_name": "Họ tên cha",
    "full_name": "Họ và tên", "gender": "Giới tính", "grantee_birth_date": "Ngày sinh bên nhận",
    "grantee_id_number": "Số định danh bên nhận", "grantee_name": "Họ tên bên nhận ủy quyền",
    "grantee_phone": "Điện thoại bên nhận", "grantor_birth_date": "Ngày sinh bên ủy quyền",
    "grantor_id_number": "Số định danh bên ủy quyền", "grantor_name": "Họ tên bên ủy quyền",
    "grantor_phone": "Điện thoại bên ủy quyền", "guardian_birth_date": "Ngày sinh người giám hộ",
    "guardian_id_number": "Số định danh người giám hộ", "guardian_name": "Họ tên người giám hộ",
    "guardian_phone": "Điện thoại người giám hộ", "hometown": "Quê quán",
    "household_head_id_number": "Số định danh chủ hộ", "household_head_name": "Họ tên chủ hộ",
    "id_number": "Số định danh", "insured_months": "Số tháng đóng bảo hiểm",
    "land_area_m2": "Diện tích đất (m²)", "land_location": "Vị trí thửa đất",
    "land_purpose": "Mục đích sử dụng đất", "land_term": "Thời hạn sử dụng đất",
    "marital_status": "Tình trạng hôn nhân", "mother_name": "Họ tên mẹ",
    "nationality": "Quốc tịch", "occupation": "Nghề nghiệp", "other_party_name": "Họ tên bên kia",
    "permanent_address": "Nơi thường trú", "phone": "Điện thoại",
    "procedure_name": "Tên thủ tục", "received_date": "Ngày tiếp nhận",
    "receiver": "Kính gửi", "recognized_birth_date": "Ngày sinh người được nhận",
    "recognized_name": "Họ tên người được nhận", "relationship": "Quan hệ",
    "relationship_to_head": "Quan hệ với chủ hộ", "religion": "Tôn giáo",
    "request_content": "Nội dung đề nghị", "requester_birth_date": "Ngày sinh người yêu cầu",
    "requester_id_number": "Số định danh người yêu cầu", "requester_name": "Họ tên người yêu cầu",
    "requester_residence": "Nơi cư trú người yêu cầu",
    "respondent_name": "Họ tên người bị khiếu nại",
    "scope": "Phạm vi ủy quyền", "signed_date": "Ngày ký", "signed_place": "Nơi ký",
    "social_insurance_number": "Số sổ bảo hiểm xã hội", "termination_date": "Ngày chấm dứt",
}

KINDS = {
    "text": ("chữ", "text"), "name": ("họ tên", "name"), "date": ("ngày", "date"),
    "year": ("năm", "year"), "id_number": ("số định danh", "ID number"),
    "phone": ("điện thoại", "phone"), "email": ("thư điện tử", "email"),
    "gender": ("giới tính", "gender"), "number": ("số", "number"),
    "dossier_code": ("mã hồ sơ", "dossier code"),
}

STATES = {  # review states of fields, document and batch states
    "pending": ("chờ kiểm tra", "waiting for review"), "auto": ("tự động", "automatic"),
    "accepted": ("đã chấp nhận", "accepted"), "corrected": ("đã sửa", "corrected"),
    "queued": ("đang chờ", "queued"), "running": ("đang xử lý", "running"),
    "finishing": ("đang hoàn tất", "finishing"), "done": ("xong", "done"),
    "needs_review": ("cần kiểm tra", "needs review"), "failed": ("lỗi", "failed"),
    "archived": ("đã lưu trữ", "archived"), "refused": ("bị từ chối", "refused"),
}

REASONS = {
    "label_not_found": ("không tìm thấy nhãn trên trang", "label not found on the page"),
    "value_not_found": ("không đọc được giá trị", "value not found"),
    "low_ocr_confidence": ("độ tin cậy OCR thấp", "low OCR confidence"),
    "low_confidence": ("độ tin cậy thấp", "low confidence"),
    "suspect_diacritics": ("nghi sai dấu", "suspect diacritics"),
    "suspect_ocr": ("nghi đọc sai", "suspect OCR"),
    "id_number_unknown_province": ("mã tỉnh của số định danh không tồn tại",
                                   "the ID number's province code does not exist"),
    "incomplete_value": ("giá trị bị cắt dở", "a value cut short"),
    "incomplete_name": ("họ tên chỉ có một chữ", "a name of one word"),
    "not_a_word": ("có chữ không phải âm tiết tiếng Việt", "a word that is not Vietnamese"),
    "name_has_digits": ("họ tên có chữ số", "name has digits"),
    "implausible_date": ("ngày không hợp lý", "implausible date"),
    "invalid_date": ("ngày không hợp lệ", "invalid date"),
    "capital_marks": ("dấu thanh trên chữ in hoa dễ đọc nhầm", "tone marks on capitals, misread"),
    "unclosed_bracket": ("ngoặc mở chưa đóng: giá trị có thể còn tiếp", "a bracket left open"),
    "digit_from_letter": ("có chữ cái được đọc thành chữ số", "a letter taken for a digit"),
    "digits_glued": ("chữ số dính liền chữ cái (có thể đọc sai)", "a digit glued to a letter"),
    "date_extra_marks": ("có chữ số hoặc ký tự thừa sát ngày", "stray digits or marks by the date"),
    "invalid_year": ("năm không hợp lệ", "invalid year"),
    "invalid_phone": ("số điện thoại không hợp lệ", "invalid phone"),
    "invalid_phone_prefix": ("đầu số điện thoại lạ", "unknown phone prefix"),
    "invalid_email": ("thư điện tử không hợp lệ", "invalid email"),
    "invalid_gender": ("giới tính không hợp lệ", "invalid gender"),
    "invalid_id_number": ("số định danh không hợp lệ", "invalid ID number"),
    "unusual_id_number_length": ("số định danh có độ dài lạ", "unusual ID number length"),
    "unread_digit": ("có ô số không đọc được", "a digit box could not be read"),
    "unknown_surname": ("chữ đầu không phải họ quen thuộc", "first word is not a known surname"),
    "unit_name_mismatch": ("tên đơn vị hành chính gần giống tên thật",
                           "administrative unit name close to a real one"),
    "unknown_place": ("nơi ký không phải tên đơn vị hành chính",
                      "place of signing is no known unit"),
    "wording_misread": ("cụm từ cố định đọc sai dấu", "fixed wording read with other marks"),
    "id_number_birth_year_mismatch": ("số định danh không khớp năm sinh",
                                      "ID number does not match the birth year"),
    "id_number_gender_mismatch": ("số định danh không khớp giới tính",
                                  "ID number does not match the gender"),
    "invalid_number": ("số không hợp lệ", "invalid number"),
    "ambiguous_number": ("số không rõ", "ambiguous number"),
    "invalid_dossier_code": ("mã hồ sơ không hợp lệ", "invalid dossier code"),
    "dossier_code_qr_mismatch": ("mã hồ sơ khác mã QR", "dossier code differs from the QR"),
    "printed_code_differs_from_qr": ("mã in khác mã QR", "printed code differs from the QR"),
    "given_code_differs": ("mã hồ sơ khác mã đã nhập", "given dossier code differs"),
    "cross_document_id_mismatch": ("số định danh khác giữa các giấy tờ",
                                   "ID number differs between documents"),
    "cross_document_name_mismatch": ("họ tên khác giữa các giấy tờ",
                                     "name differs between documents"),
    "handwriting": ("chữ viết tay", "handwriting"),
}

EVENTS = {
    "received": ("đã tiếp nhận", "received"), "ocr_done": ("đã nhận dạng chữ (OCR)", "OCR done"),
    "classified": ("đã phân loại", "classified"), "extracted": ("đã trích xuất trường",
                                                                 "fields extracted"),
    "signed": ("đã ký số", "signed"), "archived": ("đã lưu trữ", "archived"),
    "review_accepted": ("chấp nhận trường", "field accepted"),
    "review_corrected": ("sửa trường", "field corrected"),
    "review_reopened": ("mở lại trường", "field reopened"),
    "accept": ("chấp nhận trường", "field accepted"), "correct": ("sửa trường", "field corrected"),
    "reopen": ("mở lại trường", "field reopened"), "failed": ("lỗi xử lý", "failed"),
}

ROLES = {
    "scanner": ("nhân viên quét", "scanner operator"), "archivist": ("lưu trữ viên", "archivist"),
    "qa": ("kiểm tra viên", "QA reviewer"), "admin": ("quản trị", "administrator"),
    "intake": ("dịch vụ tiếp nhận", "intake service"),
}

# Server messages (the API's English details) shown to people.
MESSAGES = {
    "a bearer token is required": ("Cần mã truy cập để mở trang này.",
                                   "An access token is required."),
    "unknown token": ("Mã truy cập không đúng.", "Unknown access token."),
    "the token has expired": ("Mã truy cập đã hết hạn, xin nhập mã mới.",
                              "The access token has expired."),
    "use 'Authorization: Bearer <token>'": ("Mã truy cập gửi sai dạng.",
                                            "Send the token as 'Authorization: Bearer'."),
    # review refusals (the codes of storage.review's errors)
    "stale_version": ("Trường này vừa được người khác xử lý: hãy tải lại.",
                      "Someone else decided this field meanwhile: reload it."),
    "not_reviewable": ("Trường này không chờ kiểm tra.", "This field is not waiting for review."),
    "not_decided": ("Trường này chưa được quyết định: không có gì để hoàn tác.",
                    "This field is not decided: nothing to undo."),
    "forbidden": ("Chỉ người quyết định hoàn tác được, trong một phút (quản trị: bất cứ lúc nào).",
                  "Only the reviewer who decided may undo, within a minute (an admin any time)."),
    "bad_box": ("Khung không hợp lệ: hãy kéo chuột quanh giá trị trên trang.",
                "Invalid box: drag around the value on the page."),
    "no_field": ("Không có trường này.", "No such field."),
}

# The public status page's stages of a dossier (storage.reads.STAGES).
STAGES = {
    "received": ("Đã tiếp nhận hồ sơ", "Received"),
    "digitised": ("Đã số hóa", "Digitised"),
    "review": ("Đang kiểm tra", "Under review"),
    "done": ("Hoàn tất số hóa", "Done"),
}


def lang_of(request) -> str:
    """The interface language: ``?lang=`` then the ``sohoa_lang`` cookie; Vietnamese first."""
    value = request.query_params.get("lang") or request.cookies.get("sohoa_lang") or "vi"
    return value if value in LANGS else "vi"


def _pick(pair: tuple[str, str] | None, lang: str, code: str) -> str:
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]


def type_name(code: str | None, lang: str = "vi") -> str:
    if not code:
        return "chưa phân loại" if lang == "vi" else "unclassified"
    if code == "other":
        return "Giấy tờ khác" if lang == "vi" else "Other document"
    if lang == "en" and code in TYPES_EN:
        return TYPES_EN[code]
    return type_titles().get(code) or TYPES_EN.get(code) or code


def field_name(code: str, lang: str = "vi") -> str:
    if lang == "en" or code not in FIELDS_VI:
        return code.replace("_", " ")
    return FIELDS_VI[code]


def kind_name(code: str, lang: str = "vi") -> str:
    return _pick(KINDS.get(code), lang, code)


def state_name(code: str | None, lang: str = "vi") -> str:
    return _pick(STATES.get(code or ""), lang, code or "-")


def reason_name(code: str, lang: str = "vi") -> str:
    return _pick(REASONS.get(code), lang, code)


def event_name(code: str, lang: str = "vi") -> str:
    return _pick(EVENTS.get(code), lang, code)


def stage_name(code: str, lang: str = "vi") -> str:
    return _pick(STAGES.get(code), lang, code)


def role_name(code: str, lang: str = "vi") -> str:
    return _pick(ROLES.get(code), lang, code)


def message(text: str, lang: str = "vi") -> str:
    return _pick(MESSAGES.get(text), lang, text)


def hanoi_time(value: str | datetime | None) -> str:
    """``dd/mm/yyyy HH:mm`` in Hà Nội time; '' for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(HANOI).strftime("%d/%m/%Y %H:%M")


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def vn_date(value: str | date | None) -> str:
    """``2026-11-20`` -> ``20/11/2026`` (other text unchanged)."""
    if value in (None, ""):
        return ""
    if isinstance(value, date):
        value = value.isoformat()
    m = _ISO_DATE.match(str(value))
    return f"{m[3]}/{m[2]}/{m[1]}" if m else str(value)


def display_value(value) -> str:
    """A field value for people: dates as dd/mm/yyyy, nothing as an em dash."""
    if value is None or value == "":
        return "—"
    return vn_date(value) if isinstance(value, str) and _ISO_DATE.match(value) else str(value)


def register(env) -> None:
    """Jinja filters for the templates."""
    env.filters.update(type_name=type_name, field_name=field_name, kind_name=kind_name,
                       state_name=state_name, reason_name=reason_name, event_name=event_name,
                       role_name=role_name, hanoi=hanoi_time, vndate=vn_date,
                       value=display_value)
