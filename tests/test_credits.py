"""Bylines: each printed form of credit, and the words that are never a person."""

from __future__ import annotations

import pytest

from crawler.extract.credits import (
    is_person_name,
    parse_bracket_names,
    parse_credits,
    parse_editors,
)


def names(people):
    return [p["name"] for p in people]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大象新闻记者 高君晓 通讯员 张亚丹", ["高君晓", "张亚丹"]),
        ("□ 本报记者 葛灵丹", ["葛灵丹"]),
        ("本报实习生 刘国栋 周炜", ["刘国栋", "周炜"]),
        ("本报记者罗科苏盈发自北京", ["罗科苏盈"]),
        ("实习记者 樊亮 张明超 记者惠禾", ["樊亮", "张明超", "惠禾"]),
        ("整合 新华日报·交汇点记者 徐睿翔", ["徐睿翔"]),
        ("文：眉间尺", ["眉间尺"]),
        ("文/图 张三", ["张三"]),
        ("张三/文 李四/图", ["张三", "李四"]),
        ("李尕 摄", ["李尕"]),
        ("执笔人：闵乐夫 赵兰波 刘韬", ["闵乐夫", "赵兰波", "刘韬"]),
        ("作者：芊草凡凡 时间：2005-08-22 19:13:18", ["芊草凡凡"]),
        ("作者：zboygirl 阅读(1660)", ["zboygirl"]),
        ("作者：责任编辑：肖春芳", []),
        ("记者从会上获悉", []),
        ("文丨张三 图丨李四", ["张三", "李四"]),
        ("本报记者 张三 实习生 李四", ["张三", "李四"]),
    ],
)
def test_bylines(text, expected):
    assert names(parse_credits(text)) == expected


def test_roles_and_orgs():
    people = parse_credits("大象新闻记者 高君晓 通讯员 张亚丹")
    assert people[0] == {"name": "高君晓", "role": "记者", "org": "大象新闻"}
    assert people[1] == {"name": "张亚丹", "role": "通讯员", "org": None}
    assert parse_credits("见习记者 王五")[0]["role"] == "见习记者"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("常书香 马丹阳 ", ["常书香", "马丹阳"]),
        ("记者 胡晓蓉", ["胡晓蓉"]),
        ("姚峰 上海报道", ["姚峰"]),
        ("完", []),
        ("刊于《半月谈》2019年第24期", []),
    ],
)
def test_bracketed_names(text, expected):
    assert names(parse_bracket_names(text)) == expected


@pytest.mark.parametrize("word", ["新华社", "大汉网络", "河南日报", "评论", "关注", "编辑", "来源"])
def test_not_people(word):
    assert not is_person_name(word)


@pytest.mark.parametrize("word", ["高君晓", "欧阳修远", "阿依古丽·买买提", "Joel Spolsky"])
def test_people(word):
    assert is_person_name(word)


def test_editors():
    assert parse_editors("文章关键词:平顶山 责编:王庆河") == [{"name": "王庆河", "role": "责编"}]
    assert names(parse_editors("【责任编辑：张三 李四】")) == ["张三", "李四"]


def test_several_names_joined_by_an_ampersand_are_all_credited():
    assert names(parse_credits("执笔/叨叨姐、胡一刀&李小飞刀")) == ["叨叨姐", "胡一刀", "李小飞刀"]


def test_editors_credited_with_a_bar():
    people = parse_editors("编辑|禤志杰\n责编|陈梦莹\n校对|黄慧敏")
    assert [(p["name"], p["role"]) for p in people] == [
        ("禤志杰", "编辑"),
        ("陈梦莹", "责编"),
        ("黄慧敏", "校对"),
    ]


@pytest.mark.parametrize(
    "word", ["参考消息", "新浪新闻", "中国在线", "今日头条", "澎湃财经", "扬眼号"]
)
def test_media_names_are_not_people(word):
    assert not is_person_name(word)
