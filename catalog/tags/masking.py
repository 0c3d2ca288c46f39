"""Masking policies (标签脱敏): pure functions from a clear value to what an
unauthorised reader sees. Every policy hides at least one character of a value
longer than one character; none ever shows the part it hides.

    >>> mask("13812341234", "phone")
    '138****1234'
    >>> mask("110101199003071234", "id_number")
    '110101********1234'
    >>> mask("欧阳娜娜", "name")
    '欧***'
    >>> mask("临江市江东区滨湖街道12号", "address")
    '临江市江东区****'
"""
from __future__ import annotations

MASK = "*"
POLICIES = ("none", "phone", "id_number", "name", "address", "custom")
MAX_KEEP = 50


def keep_ends(value: str, first: int, last: int, char: str = MASK) -> str:
    """Keep `first` leading and `last` trailing characters, replace the rest with `char`
    (one per character). When that would hide nothing, keep less: at least one is hidden."""
    n = len(value)
    if n == 0:
        return ""
    first, last = max(0, first), max(0, last)
    while first + last >= n and (first or last):
        if first >= last:
            first -= 1
        else:
            last -= 1
    return value[:first] + char * (n - first - last) + (value[n - last:] if last else "")


def mask_phone(value: str) -> str:
    """13812341234 -> 138****1234 (first 3 and last 4 kept)."""
    return keep_ends(value, 3, 4)


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110101********1234 (region code and last 4 kept)."""
    return keep_ends(value, 6, 4)


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; a one-character name becomes *."""
    if len(value) <= 1:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 1)


_PROVINCE_ENDS = ("自治区", "特别行政区", "省")
_DISTRICT_ENDS = "区县市旗"
# A district name never holds these: meeting one means the street part has begun.
_STREET_MARKS = set("路街道号巷弄村镇乡组栋楼室幢") | set("0123456789０１２３４５６７８９")


def mask_address(value: str) -> str:
    """Keep the address down to its district: 临江市江东区滨湖街道12号 -> 临江市江东区****.

    The kept part ends at the first 区/县/市/旗 after the city (浙江省杭州市西湖区 ...,
    江苏省苏州市昆山市 ...), provided no street mark (路, 街, 号, a digit ...) comes first;
    otherwise it ends at the city, and an address without a recognisable city or district
    keeps nothing. What follows is always four mask characters, whatever its length."""
    start = 0
    for end in _PROVINCE_ENDS:
        i = value.find(end)
        if 0 < i <= 8:
            start = i + len(end)
            break
    city = value.find("市", start)
    if not (start < city <= start + 5):
        city = -1
    begin = city + 1 if city >= 0 else start
    cut = city + 1 if city >= 0 else 0
    for i in range(begin, min(len(value), begin + 8)):
        if value[i] in _STREET_MARKS:
            break
        if value[i] in _DISTRICT_ENDS and i > begin:
            cut = i + 1
            break
    if cut >= len(value):  # nothing after the district: hide the district itself
        cut = begin if begin < len(value) else 0
    return value[:cut] + MASK * 4


def mask_custom(value: str, keep_first: int = 0, keep_last: int = 0, mask_char: str = MASK) -> str:
    """Keep `keep_first` leading and `keep_last` trailing characters, mask the rest."""
    return keep_ends(value, keep_first, keep_last, (mask_char or MASK)[0])


def mask(value: str, policy: str, params: dict | None = None) -> str:
    """`value` as a reader without a grant sees it under `policy`."""
    value = "" if value is None else str(value)
    if policy == "none":
        return value
    if policy == "phone":
        return mask_phone(value)
    if policy == "id_number":
        return mask_id_number(value)
    if policy == "name":
        return mask_name(value)
    if policy == "address":
        return mask_address(value)
    if policy == "custom":
        params = params or {}
        return mask_custom(value, int(params.get("keep_first", 0)), int(params.get("keep_last", 0)),
                           str(params.get("mask_char") or MASK))
    # An unknown policy never shows the value.
    return MASK * 4
