"""Site profiles (crawler/sites/profile.py): the one loader, its validation and its errors, and
each shipped profile's URL patterns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.sites.profile import (
    SITES_DIR,
    SITES_DIR_ENV,
    ProfileError,
    SiteConfig,
    load_profile,
    load_profiles,
    sites_dirs,
)

PROFILES = sorted(path.stem for path in SITES_DIR.glob("*.toml"))
MINIMAL = 'allowed_domains = ["a.cn"]\n[list]\npattern = "https?://a\\\\.cn/.*"\n'


@pytest.mark.parametrize("site", PROFILES)
def test_profile_loads_and_its_start_pages_are_on_site(site: str) -> None:
    config = SiteConfig.load(site)
    assert config.name == site
    assert config.start_urls()
    for url in [*config.start_urls(), *config.sitemaps, *config.feeds]:
        assert config.on_site(url), url
    for url in config.start_urls():
        assert not config.is_article(url), url


# (site, article URLs, URLs that are not articles, list URLs)
URL_CASES = [
    (
        "henandaily",
        [
            "https://www.henandaily.cn/content/2019/0620/171682.html",
            "http://www.henandaily.cn/content/szheng/sqfbu/2017/0320/38520.html",
            "http://www.henandaily.cn/content/szheng/swgzhu/2017/0322/DIIHH.html",
        ],
        [
            "http://www.henandaily.cn/content/szheng/index.html",
            "http://www.henandaily.cn/2014/12-18/103950141.html",
            "http://www.henandaily.cn.evil.com/content/2019/0620/171682.html",
        ],
        [
            "http://www.henandaily.cn/content/szheng/index.html",
            "http://www.henandaily.cn/content/luoyang/",
        ],
    ),
    (
        "dahe",
        [
            "https://news.dahe.cn/2022/01-08/947677.html",
            "http://city.dahe.cn/2015/06-18/105123.html",
        ],
        ["http://news.dahe.cn/2022/0108/947677.html", "http://news.dahe.cn/hnyw/"],
        ["http://news.dahe.cn/hnyw/", "http://news.dahe.cn/hnyw/index_2.html"],
    ),
    (
        "people_henan",
        ["http://henan.people.com.cn/n2/2022/0120/c351638-35104695.html"],
        [
            "http://www.people.com.cn/n2/2022/0120/c351638-35104695.html",
            "http://henan.people.com.cn/GB/356896/index.html",
        ],
        [
            "http://henan.people.com.cn/GB/356896/index.html",
            "http://henan.people.com.cn/GB/356896/index2.html",
        ],
    ),
    (
        "henan_gov",
        ["https://www.henan.gov.cn/2022/03-10/2412345.html"],
        ["http://www.henan.gov.cn/sitemap.xml", "http://www.henan.gov.cn/2022/0310/2412345.html"],
        ["http://www.henan.gov.cn/ywdt/jrhn/"],
    ),
    (
        "zynews",
        ["http://news.zynews.cn/zz/2022-03/16/content_13998102.htm"],
        ["http://news.zynews.cn/zz/2022-03/16/13998102.htm", "http://news.zynews.cn/rss/zz.xml"],
        ["http://news.zynews.cn/zz/"],
    ),
]


@pytest.mark.parametrize(
    ("site", "articles", "others", "lists"), URL_CASES, ids=[c[0] for c in URL_CASES]
)
def test_url_patterns(site: str, articles: list[str], others: list[str], lists: list[str]) -> None:
    config = SiteConfig.load(site)
    for url in articles:
        assert config.is_article(url), url
        assert config.url_date(url) is not None
    for url in others:
        assert not config.is_article(url), url
    for url in lists:
        assert config.is_list(url), url


# -- the loader: validation and errors -------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_profile_loads() -> None:
    profiles = load_profiles((SITES_DIR,))
    assert not profiles.errors
    assert sorted(profiles.found) == PROFILES


def test_minimal_profile_takes_its_name_from_the_file_and_renders_auto(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "a", MINIMAL))
    assert profile.name == "a"
    assert profile.render == "auto"
    assert profile.site().render == "auto"
    assert load_profile(write(tmp_path, "b", 'render = "never"\n' + MINIMAL)).render == "never"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # misspelt keys are errors, with the line they are on
        ("defaults = 1\n" + MINIMAL, r"a\.toml line 1: defaults: unknown key"),
        (
            MINIMAL + '[start]\ndefault = []\nnext_page_text = ["x"]\n',
            r"line 6: start\.next_page_text",
        ),
        ('next_page_text = ["下一页"]\n' + MINIMAL, r"line 1: next_page_text: unknown key"),
        # a missing key names itself, not a KeyError
        ('[list]\npattern = "x"\n', r"a\.toml: allowed_domains: Field required"),
        ('render = "sometimes"\n' + MINIMAL, r"line 1: render: Input should be"),
        (MINIMAL + "[[article]]\npattern = '('\n", r"line 5: article\.0\.pattern: .*regular"),
        (MINIMAL + '[selectors]\ntitle = ["//h1["]\n', r"line 5: selectors\.title: .*not an XPath"),
        (MINIMAL + "[parser]\nversion = 2\n", r"line 4: parser\.extractor: Field required"),
        ('title = "x" "y"\n' + MINIMAL, r"a\.toml: not valid TOML: .*line 1"),
    ],
)
def test_profile_errors_name_the_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message) as caught:
        load_profile(write(tmp_path, "a", text))
    assert "\n" not in str(caught.value)  # one line


def test_a_broken_profile_breaks_only_its_own_site(tmp_path: Path) -> None:
    write(tmp_path, "good", MINIMAL)
    write(tmp_path, "bad", "allowed_domains = 3\n[list]\npattern = 'x'\n")
    profiles = load_profiles((tmp_path,))
    assert list(profiles.found) == ["good"]
    assert profiles.get("good").allowed_domains == ["a.cn"]
    with pytest.raises(ProfileError, match=r"bad\.toml line 1: allowed_domains"):
        profiles.get("bad")
    with pytest.raises(ProfileError, match=r"no site profile 'nope' \(known: good\)"):
        profiles.get("nope")


def test_sites_dir_env_adds_profiles_and_a_later_folder_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    write(first, "mine", MINIMAL)
    write(second, "mine", 'title = "second"\n' + MINIMAL)
    monkeypatch.setenv(SITES_DIR_ENV, os.pathsep.join([str(first), str(second)]))
    assert sites_dirs() == (SITES_DIR, first, second)
    profiles = load_profiles()
    assert profiles.get("mine").title == "second"
    assert "hnr" in profiles.found
    assert SiteConfig.load("mine").allowed_domains == ["a.cn"]
