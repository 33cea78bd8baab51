"""Credits: reporters (记者, 通讯员 …) and editors (责编 …) from printed text.

`parse_credits("大象新闻记者 高君晓 通讯员 张亚丹")` gives
`[{name: 高君晓, role: 记者, org: 大象新闻}, {name: 张亚丹, role: 通讯员, org: None}]`.
"""

from __future__ import annotations

import re

from crawler.extract.patterns import (
    EDITOR_RE,
    EDITOR_ROLES,
    HAN,
    NAME_RE,
    NOT_NAMES,
    ORG_NAME_RE,
    PHOTO_CREDIT_RE,
    POSTFIX_ROLE_RE,
    ROLE_ALIASES,
    ROLE_RE,
    SLASH_ONLY_ROLES,
)

EDITOR_ROLE_WORDS = tuple(EDITOR_ROLES)
# Every editor role holds one of these (a test checks it): one-character `in` tests are C scans
# far cheaper than a test per role word.
EDITOR_ROLE_MARKS = ("编", "审", "校", "签发")
_SEPARATORS_RE = re.compile(r"[、,，;；&＆\u3000\s]+")
# Slashes and colons glued to words become their own tokens: 文/张三 -> 文 / 张三.
_SLASH_RE = re.compile(r"(?<!\s)\s*([/／|｜丨])\s*")  # (?<!\s): linear on long blanks
_PHOTO_AND_TEXT_RE = re.compile(r"文\s*[/／]\s*图")
_TRAILING_WORDS_RE = re.compile(r"(?:报道|采写|整理|编译|综合报道|发自\S{0,6})$")
# A role glued to the name that follows it: 本报记者罗科苏盈, 记者惠禾.
_GLUED_ROLE_RE = re.compile(
    rf"^(?P<role>[{HAN}A-Za-z·]{{0,14}}?(?:记者|通讯员|实习生|执笔人))(?P<name>[{HAN}]{{2,4}})$"
)
# "（姚峰 上海报道）": after a name, a place followed by 报道/电 is not a person.
_PLACE_REPORT_RE = re.compile(rf"^[{HAN}]{{2,4}}(?:报道|电|讯)$")
# Where a credit ends: the next printed label ("作者：张三 时间：…", "记者 李四 来源：…").
_NEXT_LABEL_RE = re.compile(
    r"\s(?:时间|日期|发布|发表|来源|出处|阅读|点击|浏览|责编|责任编辑|编辑|字号|评论)\s{0,2}[:：]"
)


def _role_token(token: str, next_token: str | None) -> tuple[str | None, str] | None:
    """(org, role) when the token is a role, possibly with an organisation glued in front."""
    match = ROLE_RE.fullmatch(token)
    if not match:
        return None
    role = match["role"]
    colon = match["colon"] or (next_token in {":", "：", "/", "／", "|", "｜", "丨"})
    if role in SLASH_ONLY_ROLES and not colon:
        return None
    org = match["org"]
    if org and org in {"见习", "实习", "特约", "首席", "摄影", "融媒", "全媒体"}:
        role, org = org + role, None
    return org, ROLE_ALIASES.get(role, role)


def _tokens(text: str) -> list[str]:
    text = _PHOTO_AND_TEXT_RE.sub("文图/", text)
    text = _SLASH_RE.sub(r" \1 ", text.replace("：", ":").replace(":", " : "))
    tokens: list[str] = []
    for raw in _SEPARATORS_RE.split(text):
        if not raw:
            continue
        # The rare place first: the name test would run on every token.
        if _PLACE_REPORT_RE.match(raw) and tokens and is_person_name(tokens[-1]):
            continue
        raw = _TRAILING_WORDS_RE.sub("", raw) or raw  # 李四报道 -> 李四
        glued = _GLUED_ROLE_RE.match(raw)
        if glued and ROLE_RE.fullmatch(glued["role"]) and glued["name"] not in NOT_NAMES:
            tokens.extend([glued["role"], glued["name"]])
            continue
        # 张三摄 -> 张三 摄
        if len(raw) >= 3 and raw.endswith("摄") and not raw.endswith("摄影"):
            tokens.extend([raw[:-1], "摄"])
        else:
            tokens.append(raw)
    return tokens


def is_person_name(token: str) -> bool:
    """2–4 Han characters, a name with a middle dot, or a Latin name; not a word of page
    furniture and not an organisation (大汉网络, 新华社)."""
    if not NAME_RE.match(token) or token in NOT_NAMES:
        return False
    return not (len(token) >= 3 and ORG_NAME_RE.match(token))


def parse_credits(text: str | None) -> list[dict]:
    """People credited in a dateline bracket or a byline, in order, each once."""
    if not text:
        return []
    label = _NEXT_LABEL_RE.search(text)
    if label:
        text = text[: label.start()]
    tokens = _tokens(text)
    people: list[dict] = []
    role: str | None = None
    org: str | None = None
    pending: list[str] = []  # names seen before any role: "张三/文", "李四 摄"
    for index, token in enumerate(tokens):
        next_token = tokens[index + 1] if index + 1 < len(tokens) else None
        if token in {":", "/", "／", "|", "｜", "丨"}:
            if (
                token in {"/", "／"}
                and pending
                and next_token
                and POSTFIX_ROLE_RE.match("/" + next_token)
            ):
                postfix = POSTFIX_ROLE_RE.match("/" + next_token)["slash"]
                people.extend(
                    {"name": n, "role": ROLE_ALIASES.get(postfix, postfix), "org": None}
                    for n in pending
                )
                pending = []
            continue
        if token in {"摄", "摄影"} and pending and not (next_token and is_person_name(next_token)):
            people.extend({"name": n, "role": "摄影", "org": None} for n in pending)
            pending = []
            continue
        if token.startswith(EDITOR_ROLE_WORDS):
            # 作者：责任编辑：肖春芳 — an editor's credit is not a reporter's.
            role, org, pending = None, None, []
            continue
        as_role = _role_token(token, next_token)
        if as_role:
            org, role = as_role
            continue
        if is_person_name(token):
            if role:
                people.append({"name": token, "role": role, "org": org})
            else:
                pending.append(token)
        elif token in {"文", "图", "文图"} and pending:
            continue
    return unique_by_name(people)


def unique_by_name(people: list[dict]) -> list[dict]:
    """Each person once, in first-credited order."""
    seen: set[str] = set()
    unique = []
    for person in people:
        if person["name"] not in seen:
            seen.add(person["name"])
            unique.append(person)
    return unique


def with_caption_photographers(found: list[dict], captions: list[str]) -> list[dict]:
    """`found` plus the photographers that image captions credit (`市民赏花。孙磊 摄`)."""
    names = {person["name"] for person in found}
    found = list(found)
    for caption in captions:
        photo = PHOTO_CREDIT_RE.search(caption)
        if photo and photo["name"] not in names:
            names.add(photo["name"])
            found.append({"name": photo["name"], "role": "摄影", "org": None})
    return found


def parse_bracket_names(text: str | None) -> list[dict]:
    """A bare name list closing an article, `（常书香 马丹阳）`: people without a printed role."""
    if not text:
        return []
    credits = parse_credits(text)
    if credits:
        return credits
    tokens = _tokens(text.strip("（）() "))
    if tokens and all(is_person_name(t) for t in tokens) and len(tokens) <= 6:
        return [{"name": t, "role": "作者", "org": None} for t in tokens]
    return []


def parse_editors(text: str | None) -> list[dict]:
    """Editor credits anywhere in `text`: 责编:王庆河, 责任编辑：张三 李四, 【编辑：王五】."""
    # Every match holds a role word, so one of its marks: without one, no regex scan.
    if not text or not any(mark in text for mark in EDITOR_ROLE_MARKS):
        return []
    editors: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for match in EDITOR_RE.finditer(text):
        for name in _SEPARATORS_RE.split(match["names"]):
            if is_person_name(name) and (name, match["role"]) not in seen:
                seen.add((name, match["role"]))
                editors.append({"name": name, "role": match["role"]})
    return editors
