"""The private-address guard: which addresses a crawl may connect to."""

from __future__ import annotations

import pytest

from crawler.crawl.safety import is_forbidden_address, safe_join, safe_path_component

CASES = [
    ("127.0.0.1", True),
    ("10.1.2.3", True),
    ("172.16.0.1", True),
    ("192.168.1.1", True),
    ("169.254.169.254", True),  # cloud metadata
    ("100.64.0.1", True),  # carrier-grade NAT
    ("0.0.0.0", True),
    ("::1", True),
    ("fe80::1", True),
    ("fd00::1", True),
    ("::ffff:127.0.0.1", True),
    ("224.0.0.1", True),
    ("not-an-address", True),
    ("61.163.110.2", False),  # a public address in Henan
    ("8.8.8.8", False),
    ("2400:3200::1", False),
]


@pytest.mark.parametrize(("address", "forbidden"), CASES)
def test_address_classification(address, forbidden):
    assert is_forbidden_address(address) is forbidden


# -- output paths built from page data ----------------------------------------------------------

PATH_CASES = [
    ("hnr.cn", "hnr.cn"),
    ("2022-04-22", "2022-04-22"),
    ("../../etc/passwd", "etc_passwd"),
    ("..", "_"),
    ("", "_"),
    (None, "_"),
    ("a/b\\c", "a_b_c"),
    ("/abs", "abs"),
    ("nul\x00byte", "nul_byte"),
    (".hidden", "hidden"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("映象网", "映象网"),
    ("ｆｕｌｌ／ｗｉｄｔｈ", "full_width"),  # NFKC first: the full-width slash is a slash
    ("x" * 500, "x" * 100),
    ("a\nb\tc", "a_b_c"),
]


@pytest.mark.parametrize(("value", "expected"), PATH_CASES)
def test_safe_path_component(value, expected):
    assert safe_path_component(value) == expected


def test_safe_join_stays_inside_the_root(tmp_path):
    assert safe_join(tmp_path, "hnr.cn", "2022-04-22") == tmp_path / "hnr.cn" / "2022-04-22"
    for hostile in ("../..", "/etc", "..\\..", "\x00", "~"):
        path = safe_join(tmp_path, hostile, "x")
        assert tmp_path.resolve() in path.parents
