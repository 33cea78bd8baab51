"""The SQLite state store: seen articles, near-duplicates, watermarks, runs, output offsets."""

from __future__ import annotations

import sqlite3

from crawler.state import StateStore, body_simhash

BODY = "".join(
    [
        "映象网讯(大象新闻记者 高君晓 通讯员 张亚丹 )4月20日上午,平顶山市湛河区曹镇乡杨西村“壹亩荷香”生态休闲娱乐民宿项目内,水上餐厅、走廊亭台已建成,一池碧水、数顷荷塘……一处处美景让人流连忘返。",
        "“壹亩荷香”项目建设为杨西村带来的变化是曹镇乡乃至湛河区实施乡村振兴战略的一个缩影。目前,曹镇乡已将北部东西长9公里、宽2公里的区域规划为乡村振兴示范带,从而带动全乡共同发展。",
        "今年以来,湛河区坚持党建引领,积极探索基层党建与乡村振兴深度融合,通过组织相加、工作相融、党建引领,拓宽“产业链”、缔结“协作链”、延伸“服务链”,用党的资源汇聚社会资源,凝聚发展合力,把基层党组织的政治优势、组织优势转化为推动乡村振兴的发展优势,为乡村振兴提供了强大动力。",
        "该区立足各村资源优势互补性,融合资金、土地、信息、人才等资源,以产业联创为依托,不断提升村集体经济产业外联能力,增强市场开拓优势,形成良性循环的发展势头。",
        "曹镇乡致力于建设一个集乡村休闲农业、休闲娱乐于一体的慢生活都市休闲庄园,以杨西村为核心,连片银王、曹西、秦庄、大黄庄等村,创建集休闲农业、娱乐观光为一体的田园农家乡村振兴示范线;河滨街道潘庄村推行“支部+协会+农户”模式,立足资源优势,结合农业产业结构调整,发展特色经济。潘庄村发展桃树种植600余亩、桃农200余户,成功举办五届“潘桃会”,创新开启“互联网+农业”经营模式,实现了“线上带动、线下经营”,进一步提升了农产品竞争力,实现了集体收益、群众增收。",
        "目前,该区已组建“强村+弱村”“企业+农村”“合作社+农户”等党建联合体20余个,逐步形成了集种植、采摘、观赏、游玩于一体的“以农兴旅,以旅强农”产业,带动1200余户农户增收。",
    ]
)


def _record(url: str, body: str = BODY, fingerprint: str = "f" * 32) -> dict:
    return {"canonical_url": url, "url": url, "fingerprint": fingerprint, "site": "hnr.cn"}


def test_seen_urls_and_fingerprints_persist_across_connections(tmp_path):
    path = tmp_path / "state.sqlite3"
    store = StateStore(path)
    store.add_article(_record("http://news.hnr.cn/a"), body_simhash(BODY))
    store.close()
    again = StateStore(path)
    assert again.has_url("http://news.hnr.cn/a")
    assert not again.has_url("http://news.hnr.cn/b")
    assert again.find_fingerprint("f" * 32) == "http://news.hnr.cn/a"
    assert again.find_fingerprint("0" * 32) is None


def test_republished_text_with_another_dateline_is_a_near_duplicate(tmp_path):
    store = StateStore(tmp_path / "s.sqlite3", near_distance=3)
    store.add_article(_record("http://news.hnr.cn/a"), body_simhash(BODY))
    republished = (
        BODY.replace("映象网讯(大象新闻记者 高君晓 通讯员 张亚丹 )", "本报讯 ") + "(来源:映象网)"
    )
    assert store.find_near_duplicate(body_simhash(republished)) == "http://news.hnr.cn/a"
    other = "郑州市今年新建公园游园一百二十个,市民出门见绿、推窗见景的愿望正在变成现实。" * 3
    assert store.find_near_duplicate(body_simhash(other)) is None


def test_list_page_watermark_keeps_the_newest_time(tmp_path):
    store = StateStore(tmp_path / "s.sqlite3")
    store.mark_list_page("http://news.hnr.cn/djn/", "2022-04-22", 5)
    store.mark_list_page("http://news.hnr.cn/djn/", "2021-01-01", 0)
    page = store.list_page("http://news.hnr.cn/djn/")
    assert page["newest_published"] == "2022-04-22"
    assert page["last_new"] == 0
    assert store.list_page("http://news.hnr.cn/other/") is None


def test_runs_history_and_output_offsets(tmp_path):
    store = StateStore(tmp_path / "s.sqlite3")
    run = store.start_run("hnr", ["crawl", "hnr"])
    store.finish_run(run, "ok", {"written": 3})
    assert store.runs()[0]["status"] == "ok" and store.runs()[0]["problem"] is None
    failed = store.start_run("hnr", ["crawl", "hnr"])
    store.finish_run(failed, "failed", {"written": 0}, "no page could be fetched")
    assert store.runs()[0]["problem"] == "no page could be fetched"
    assert store.committed_offset("/x.jsonl") == 0
    with store.transaction():
        store.set_committed_offset("/x.jsonl", 120)
    assert store.committed_offset("/x.jsonl") == 120


def test_a_state_from_before_run_problems_gets_the_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,"
        " finished_at TEXT, status TEXT, site TEXT, argv TEXT, counts TEXT)"
    )
    db.execute("INSERT INTO runs (started_at, status) VALUES ('2026-01-01T00:00:00', 'ok')")
    db.commit()
    db.close()
    store = StateStore(path)
    assert [(run["status"], run["problem"]) for run in store.runs()] == [("ok", None)]
    store.close()
