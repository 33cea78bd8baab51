"""Regenerate the small test datasets: `python tests/data/make_datasets.py`.

good.jsonl: 20 valid records (schema 2) (two sites, six days, duplicates of two kinds).
damaged.jsonl: valid lines mixed with every kind of damage `xinwen validate` must report.
The numbers the tests expect are written next to the data below.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (site, path, title, section, published_at, source, reporters, editors, keywords, images, subtitle)
ROWS = [
    (
        "hnr.cn",
        "/2024/0501/1.html",
        "郑州地铁12号线开通初期运营",
        ["河南新闻", "郑州"],
        "2024-05-01T09:30:15+08:00",
        "映象网",
        [("高君晓", "记者", "大象新闻"), ("李明", "通讯员", None)],
        [("王芳", "责编")],
        ["地铁", "郑州"],
        1,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0501/2.html",
        "五一假期首日河南高速车流平稳",
        ["河南新闻"],
        "2024-05-01T18:00:00+08:00",
        "映象网",
        [("高君晓", "记者", "大象新闻")],
        [("王芳", "责编")],
        ["五一", "高速"],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0501/3.html",
        "洛阳牡丹文化节吸引游客超千万人次",
        ["文旅"],
        "2024-05-01T20:15:00+08:00",
        "河南日报",
        [("张伟", "记者", "本报")],
        [("赵磊", "责任编辑")],
        ["牡丹", "洛阳"],
        2,
        "文旅融合成为新引擎",
    ),
    (
        "hnr.cn",
        "/2024/0502/4.html",
        "开封清明上河园游客接待创新高",
        ["文旅"],
        "2024-05-02T10:00:00+08:00",
        "映象网",
        [("刘洋", "记者", "大象新闻")],
        [("王芳", "责编")],
        ["开封", "旅游"],
        1,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0502/5.html",
        "河南小麦进入灌浆期 各地加强田间管理",
        ["河南新闻", "农业"],
        "2024-05-02T11:20:00+08:00",
        "河南日报",
        [],
        [("赵磊", "责任编辑")],
        ["小麦"],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0502/6.html",
        "郑州发布高温预警 市民注意防暑",
        ["河南新闻", "郑州"],
        "2024-05-02T16:45:00+08:00",
        "映象网",
        [("高君晓", "记者", "大象新闻")],
        [],
        [],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0503/7.html",
        "南阳月季博览会开幕",
        ["文旅"],
        "2024-05-03",
        "南阳日报",
        [("陈静", "记者", None)],
        [],
        ["月季", "南阳"],
        3,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0503/8.html",
        "新乡一企业获评国家级专精特新“小巨人”",
        ["经济"],
        "2024-05-03T09:00:00+08:00",
        None,
        [("孙浩", "通讯员", None)],
        [("王芳", "责编")],
        [],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0503/9.html",
        "郑州地铁12号线开通初期运营（转载）",
        ["河南新闻", "郑州"],
        "2024-05-03T10:00:00+08:00",
        "映象网",
        [("高君晓", "记者", "大象新闻")],
        [("王芳", "责编")],
        ["地铁"],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0504/10.html",
        "黄河流域生态保护取得新进展",
        ["河南新闻"],
        "2024-05-04T08:30:00+08:00",
        "河南日报",
        [("张伟", "记者", "本报"), ("李明", "通讯员", None)],
        [("赵磊", "责任编辑")],
        ["黄河", "生态"],
        1,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0504/11.html",
        "许昌发制品出口订单增长",
        ["经济"],
        "2024-05-04T14:00:00+08:00",
        "映象网",
        [("刘洋", "记者", "大象新闻")],
        [],
        ["许昌"],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0505/12.html",
        "周口举办农民丰收节预热活动",
        ["河南新闻"],
        None,
        "映象网",
        [],
        [],
        [],
        0,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0505/13.html",
        "信阳毛尖春茶上市",
        ["经济"],
        "2024-05-05T09:10:00+08:00",
        "信阳日报",
        [("周敏", "记者", None)],
        [("王芳", "责编")],
        ["毛尖", "信阳"],
        2,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0506/14.html",
        "安阳殷墟博物馆新馆开放",
        ["文旅"],
        "2024-05-06T10:00:00+08:00",
        "映象网",
        [("刘洋", "记者", "大象新闻")],
        [],
        ["殷墟"],
        1,
        None,
    ),
    (
        "hnr.cn",
        "/2024/0506/15.html",
        "安阳殷墟博物馆新馆开放",
        ["文旅"],
        "2024-05-06T10:00:00+08:00",
        "映象网",
        [("刘洋", "记者", "大象新闻")],
        [],
        ["殷墟"],
        1,
        None,
    ),
    (
        "dahe.cn",
        "/news/16.html",
        "河南高考报名人数公布",
        ["教育"],
        "2024-05-01T12:00:00+08:00",
        "大河网",
        [("吴磊", "记者", "大河网")],
        [("钱红", "编辑")],
        ["高考"],
        0,
        None,
    ),
    (
        "dahe.cn",
        "/news/17.html",
        "郑州新增三所公办高中",
        ["教育"],
        "2024-05-02T12:00:00+08:00",
        "大河网",
        [("吴磊", "记者", "大河网")],
        [("钱红", "编辑")],
        ["高考", "郑州"],
        0,
        None,
    ),
    (
        "dahe.cn",
        "/news/18.html",
        "平顶山尧山景区推出夜游项目",
        ["文旅"],
        "2024-05-04T19:00:00+08:00",
        "大河网",
        [],
        [("钱红", "编辑")],
        [],
        1,
        None,
    ),
    (
        "dahe.cn",
        "/news/19.html",
        "焦作云台山迎来客流高峰",
        ["文旅"],
        "2024-05-05T08:00:00+08:00",
        None,
        [],
        [],
        [],
        0,
        None,
    ),
    (
        "dahe.cn",
        "/news/20.html",
        "漯河食品博览会签约项目超百个",
        [],
        None,
        None,
        [],
        [],
        [],
        0,
        None,
    ),
]
# duplicate_of: row 9 repeats row 1's body, row 15 row 14's (republished under another URL)
DUPLICATE_OF = {8: 0, 14: 13}


def record(index: int, row) -> dict:
    (
        site,
        path,
        title,
        section,
        published,
        source,
        reporters,
        editors,
        keywords,
        images,
        subtitle,
    ) = row
    url = f"https://www.{site}{path}"
    body_of = ROWS[DUPLICATE_OF.get(index, index)][2]
    body = f"{body_of}。\n这是第{index + 1}条测试新闻的正文，内容为虚构。"
    fingerprint = hashlib.blake2b(body_of.encode(), digest_size=16).hexdigest()
    precision = None if published is None else "day" if len(published) == 10 else "second"
    return {
        "url": url,
        "canonical_url": url,
        "site": site,
        "title": title,
        "subtitle": subtitle,
        "published_at": f"{published}T00:00:00+08:00" if precision == "day" else published,
        "published_precision": precision,
        "published_at_raw": published.replace("T", " ")[:19] if published else None,
        "source": source,
        "reporters": [{"name": n, "role": r, "org": o} for n, r, o in reporters],
        "editors": [{"name": n, "role": r} for n, r in editors],
        "body": body,
        "keywords": keywords,
        "section": section,
        "images": [
            {"url": f"https://img.{site}{path}.{k}.jpg", "caption": "图为现场" if k == 0 else None}
            for k in range(images)
        ],
        "language": "zh",
        "fetched_at": f"2024-05-{7 + index // 10:02d}T0{index % 10}:00:00+00:00",
        "extractor": "hnr_cn/1" if site == "hnr.cn" else "generic/1",
        "fingerprint": fingerprint,
        "duplicate_of": (
            f"https://www.{ROWS[DUPLICATE_OF[index]][0]}{ROWS[DUPLICATE_OF[index]][1]}"
            if index in DUPLICATE_OF
            else None
        ),
        "schema_version": 2,
    }


def line(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def main() -> None:
    records = [record(i, row) for i, row in enumerate(ROWS)]
    (HERE / "good.jsonl").write_text("".join(line(r) + "\n" for r in records), encoding="utf-8")

    wrong_types = dict(records[2], reporters="张伟", schema_version="1")
    missing_title = {k: v for k, v in records[3].items() if k != "title"}
    naive_time = dict(records[4], published_at="2024-05-02 11:20")
    reordered = dict(reversed(list(records[5].items())))  # key order is not an error
    truncated = line(records[6])[:150]
    damaged = [
        line(records[0]),  # 1 good
        "",  # 2 blank: ignored
        '{"url": "https://www.hnr.cn/x.html", "title": }',  # 3 invalid JSON
        line(wrong_types),  # 4 reporters: list expected; schema_version: int expected
        line(missing_title),  # 5 title missing
        line(reordered),  # 6 good
        line(naive_time),  # 7 published_at without offset
        "[1, 2, 3]",  # 8 not an object
        truncated,  # 9 truncated last line, no newline
    ]
    (HERE / "damaged.jsonl").write_text("\n".join(damaged), encoding="utf-8")


if __name__ == "__main__":
    main()
