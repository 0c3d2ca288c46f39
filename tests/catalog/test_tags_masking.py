"""The masking policies are pure functions: examples, then properties (hypothesis)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.tags.masking import keep_ends, mask, mask_address, mask_custom, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize("policy, clear, shown", [
    ("phone", "13812341234", "138****1234"),
    ("id_number", "110101199003071234", "110101********1234"),
    ("name", "张三", "张*"),
    ("name", "欧阳娜娜", "欧***"),
    ("name", "李", "*"),
    ("address", "临江市江东区滨湖街道12号", "临江市江东区****"),
    ("address", "浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区****"),
    ("address", "江苏省苏州市昆山市玉山镇", "江苏省苏州市昆山市****"),
    ("address", "上海市浦东新区世纪大道100号", "上海市浦东新区****"),
    ("address", "临江市滨湖路8号阳光小区", "临江市****"),
    ("address", "滨湖街道12号", "****"),
    ("custom", "浙A12345", "浙A****5"),
    ("none", "13812341234", "13812341234"),
])
def test_each_policy_masks_the_standard_examples(policy, clear, shown):
    params = {"keep_first": 2, "keep_last": 1, "mask_char": "*"} if policy == "custom" else None
    assert mask(clear, policy, params) == shown


def test_custom_masking_uses_its_own_mask_character():
    assert mask_custom("ABCDEFG", 1, 2, "#") == "A####FG"


def test_an_unknown_policy_never_shows_the_value():
    assert mask("13812341234", "no-such-policy") == "****"


def test_short_values_still_hide_at_least_one_character():
    assert "*" in mask_phone("123")
    assert "*" in mask_id_number("1234")
    assert keep_ends("ab", 5, 5) in ("*b", "a*")
    assert mask_name("") == "" and mask_phone("") == ""


@given(st.text(min_size=1, max_size=40), st.integers(0, 10), st.integers(0, 10))
def test_keep_ends_shows_only_a_prefix_and_a_suffix_and_hides_the_rest(value, first, last):
    out = keep_ends(value, first, last)
    n = len(value)
    assert len(out) == n
    shapes = [value[:a] + "*" * (n - a - b) + value[n - b:] if b else value[:a] + "*" * (n - a)
              for a in range(first + 1) for b in range(last + 1) if a + b < n]
    assert out in shapes  # at least one character hidden, and only the ends are clear


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_masked_phone_never_contains_its_middle_four_digits(phone):
    out = mask_phone(phone)
    assert out == phone[:3] + "****" + phone[-4:]


@given(st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True))
def test_a_masked_id_number_hides_the_birth_date(number):
    out = mask_id_number(number)
    assert out[6:14] == "********"
    assert out[:6] == number[:6] and out[-4:] == number[-4:]


@given(st.text(alphabet="赵钱孙李周吴郑王欧阳司马诸葛娜伟芳", min_size=2, max_size=5))
def test_a_masked_name_shows_only_the_surname_character(name):
    out = mask_name(name)
    assert out[0] == name[0] and set(out[1:]) == {"*"} and len(out) == len(name)


@given(st.text(alphabet="滨湖望月古楼青石路街道巷号0123456789", min_size=1, max_size=20))
def test_a_masked_address_never_shows_the_street_part(street):
    out = mask_address("临江市江东区" + street)
    assert out == "临江市江东区****"
