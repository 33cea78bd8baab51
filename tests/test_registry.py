"""Which parser reads which URL (crawler/extract/registry.py), built from the profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.extract import extract, parser_for
from crawler.extract.generic import GenericParser
from crawler.extract.profiled import ProfiledParser
from crawler.extract.registry import current_parsers, load_parser, lookup, site_parsers
from crawler.sites.profile import SITES_DIR, SITES_DIR_ENV, load_profiles

MINIMAL = 'allowed_domains = ["x.cn"]\n[list]\npattern = "x"\n'


def test_parsers_come_from_the_profiles() -> None:
    names = {domain: parser.name for domain, parser in current_parsers().items()}
    fresh = site_parsers(load_profiles((SITES_DIR,)))
    assert names == {domain: parser.name for domain, parser in fresh.items()}
    for url, extractor in [
        ("http://news.hnr.cn/djn/", "hnr_cn"),
        ("https://www.henandaily.cn/content/2019/0620/171682.html", "henandaily_cn"),
        ("http://city.dahe.cn/2015/06-18/1.html", "dahe_cn"),
        ("http://henan.people.com.cn/n2/2022/0120/c1-2.html", "people_cn"),
    ]:
        parser = parser_for(url)
        assert issubclass(parser, ProfiledParser) and parser.name == extractor, url
    # Only the profiled channel of people.com.cn; sites without selectors read generically.
    assert parser_for("http://www.people.com.cn/n1/2022/0120/c1-2.html") is GenericParser
    assert parser_for("http://www.henan.gov.cn/2022/03-10/2412345.html") is GenericParser
    assert parser_for("file:///tmp/x.html") is GenericParser
    assert parser_for("http://[bad") is GenericParser


def test_lookup_prefers_the_most_specific_domain() -> None:
    parsers = {"people.com.cn": GenericParser, "henan.people.com.cn": ProfiledParser}
    assert lookup(parsers, "http://henan.people.com.cn/x") is ProfiledParser
    assert lookup(parsers, "http://sh.people.com.cn/x") is GenericParser


@pytest.mark.parametrize(
    ("spec", "error"),
    [("crawler.extract.generic", ValueError), ("crawler.extract.generic:GenericParser", TypeError)],
)
def test_load_parser_rejects_bad_specs(spec: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        load_parser(spec)


def test_parser_domains_and_a_module_for_what_data_cannot_say(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        MINIMAL
        + '[parser]\nextractor = "a_cn"\nversion = 3\ndomains = ["news.x.cn"]\n'
        + 'module = "crawler.extract.profiled:ProfiledParser"\n',
        encoding="utf-8",
    )
    parsers = site_parsers(load_profiles((tmp_path,)))
    assert list(parsers) == ["news.x.cn"]
    assert (parsers["news.x.cn"].name, parsers["news.x.cn"].version) == ("a_cn", 3)


def test_two_parsers_for_one_domain_is_an_error(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(
            MINIMAL + f'[parser]\nextractor = "{name}"\n', encoding="utf-8"
        )
    with pytest.raises(ValueError, match=r"x\.cn"):
        site_parsers(load_profiles((tmp_path,)))


def test_a_profile_outside_the_package_reads_its_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.toml").write_text(
        MINIMAL + '[parser]\nextractor = "x_cn"\n[selectors]\ntitle = ["//*[@id=\'headline\']"]\n',
        encoding="utf-8",
    )
    page = (
        "<html><head><title>站名</title></head><body><h1>别的</h1><div id='headline'>真标题</div>"
        "<div><p>" + "正文内容，" * 30 + "。</p></div></body></html>"
    ).encode()
    assert extract(page, "http://www.x.cn/1.html")["extractor"].startswith("generic/")
    monkeypatch.setenv(SITES_DIR_ENV, os.fspath(tmp_path))
    record = extract(page, "http://www.x.cn/1.html")
    assert (record["extractor"], record["title"]) == ("x_cn/1", "真标题")
