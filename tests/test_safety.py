"""The private-address guard: which addresses a crawl may connect to."""

from __future__ import annotations

import pytest

from crawler.safety import is_forbidden_address

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
