"""Printed Chinese dates and times, one case per format."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crawler.extract.dates import (
    parse_epoch,
    parse_machine_time,
    parse_time,
    url_date,
    yearless_time,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2022-04-22 18:36:31 来源:映象网", "2022-04-22T18:36:31+08:00"),
        ("2019年06月21日 09:45", "2019-06-21T09:45+08:00"),
        ("2005年05月13日14:15", "2005-05-13T14:15+08:00"),
        ("2022年2月12日23时16分许", "2022-02-12T23:16+08:00"),
        ("2022.01.20 16:31", "2022-01-20T16:31+08:00"),
        ("2005/05/17 22:11:42", "2005-05-17T22:11:42+08:00"),
        ("２０２２年２月１２日 ２３：１６", "2022-02-12T23:16+08:00"),
        ("2022年2月12日 下午3:05", "2022-02-12T15:05+08:00"),
        ("9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00"),
        ("7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00"),
        ("2003-7-24 钱江晚报", "2003-07-24"),
        ("——《北京之春》1998年3月号", "1998-03"),
    ],
)
def test_printed_formats(text, iso):
    parsed = parse_time(text, now=NOW)
    assert parsed is not None and parsed.iso == iso


def test_raw_is_the_printed_text():
    assert parse_time("发布时间：２０２２年２月１２日", now=NOW).raw == "２０２２年２月１２日"


def test_clock_out_of_range_keeps_the_date():
    parsed = parse_time("2022-02-12 25:61", now=NOW)
    assert parsed.iso == "2022-02-12" and not parsed.has_time


@pytest.mark.parametrize("text", ["第2019期 06版", "2030-01-01 10:00", "1850年开始", "2022-13-45"])
def test_no_date(text):
    assert parse_time(text, now=NOW) is None


def test_prefers_a_date_with_a_clock():
    assert parse_time("2022-02-11 / 2022-02-12 08:00", now=NOW).iso == "2022-02-12T08:00+08:00"


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2022-02-06T12:48:06+00:00", "2022-02-06T12:48:06+00:00"),
        ("2022-02-11 09:52", "2022-02-11T09:52+08:00"),
        ("2022-02-13", "2022-02-13"),
    ],
)
def test_machine_times(value, iso):
    assert parse_machine_time(value, now=NOW).iso == iso


def test_url_date():
    assert str(url_date("http://news.example.cn/2022-04/22/c_1.htm")) == "2022-04-22"
    assert url_date("http://example.cn/article/1/123456") is None


def test_epoch_seconds_in_china_time():
    assert parse_epoch("1581517074").iso == "2020-02-12T22:17:54+08:00"
    assert parse_epoch("x") is None
    assert parse_epoch("99") is None  # 1970: not a publish time


@pytest.mark.parametrize(
    ("text", "reference", "iso"),
    [
        ("发布时间：10-0812:00", date(2019, 10, 8), "2019-10-08T12:00+08:00"),
        ("10-08 12:00", date(2019, 11, 1), "2019-10-08T12:00+08:00"),
        ("12月30日 23:10", date(2020, 1, 2), "2019-12-30T23:10+08:00"),  # last year's
        ("昨天 14:20", date(2020, 3, 1), "2020-02-29T14:20+08:00"),
        ("前天09:05", date(2020, 3, 2), "2020-02-29T09:05+08:00"),
    ],
)
def test_times_without_a_year_read_against_the_page_stamp(text, reference, iso):
    assert yearless_time(text, reference).iso == iso


def test_no_yearless_time_in_a_plain_line():
    assert yearless_time("阅读 1234 评论 56", date(2020, 1, 1)) is None
    assert yearless_time("13-45 12:00", date(2020, 1, 1)) is None
