"""Crawl throughput: the full xinwen crawl against a bare Scrapy spider following the same links.

    python benchmarks/crawl.py [--pages 2000] [--rounds 3] [--per-list 20] [--memory] [--keep DIR]

Generates a large offline mirror of hnr.cn from the fixture templates in `fixtures/hnr/` (each
article template copied with its own id, URL, headline and body, and with its related links
pointing at other generated articles; list pages of 20 articles with `下一页` pagination), serves
it from a loopback mirror (`crawler.crawl.mirror.MirrorServer`, in a process of its own so that it
does not share the crawler's interpreter), and runs, in this run and each in its own
subprocess:

- **bare**: the `hnr` spider with its link extraction only — list pages, pagination and the
  article links of article pages, exactly the requests of the real crawl — no extraction, no
  item pipelines, no feed export;
- **pipeline**: the real `hnr` spider with the project's settings: extraction, validation,
  quarantine, duplicates, JSON lines export through FEEDS.

Both go through the offline mirror machinery (`XINWEN_OFFLINE_ENABLED`, `XINWEN_MIRROR_PROXY`),
obey robots.txt, and run with AutoThrottle off, DOWNLOAD_DELAY 0 and the same concurrency.
Pages per second = pages fetched (robots.txt not counted) / the crawl's elapsed time (Scrapy's
`elapsed_time_seconds`). Each kind crawls `--rounds` times (3), the kinds taking turns, and
its fastest round is reported, as `speed.py` reports its best round: on a shared machine the
least disturbed run says most about the code (every round's figures are printed too). The last
line is `crawl: pipeline X pages/s, bare Y pages/s, ratio R`.

`--memory` also crawls a mirror of `--memory-pages` (20,000) articles and compares the peak RSS
(`ru_maxrss`) of that crawl's process with the `--pages` crawl's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURE_SITE = REPO / "fixtures" / "hnr"
CHANNEL = "http://news.hnr.cn/jpyc/"
HOSTS = ("news.hnr.cn", "www.hnr.cn", "finance.hnr.cn")
# Templates whose pages are one page each (the TRS gallery is a two-page article).
SKIP_TEMPLATES = ("t20170518_2984512",)
LINK_RE = re.compile(r"https?://[^\s\"'<>]+")
# The words of the generated body text: every article's paragraphs are its own (seeded by its
# index), so that the articles are distinct stories as in a real crawl, not near-copies of the
# templates that the duplicates pipeline would flag as republished.
_WORD_LIST = (
    "记者 现场 工作人员 群众 业务 项目 投资 年底 完工 市民 生活 变化 负责人 投入 措施 全市 "
    "重点 建设 任务 业内 人士 发展 意义 郑州 洛阳 开封 南阳 平顶山 新乡 许昌 农业 春耕 小麦 "
    "种植 企业 产业 园区 就业 岗位 学校 学生 教育 医院 医疗 服务 社区 居民 道路 交通 地铁 "
    "公交 环境 治理 河道 绿化 文化 旅游 景区 游客 活动 比赛 志愿者 政府 部门 政策 资金 补贴 "
    "科技 创新 数字 经济 消费 市场 价格 销售 增长 同比 上半年 下一步 据了解 截至目前 "
    "据介绍 相关 持续 推进 落实 提升 保障 安全 质量 效率"
)
WORDS = tuple(_WORD_LIST.split())
# A paragraph's opening up to its credits' closing parenthesis: "映象网讯（记者 张三）".
OPENING_RE = re.compile(r"^[^（(]{0,20}[（(][^）)]{1,40}[）)]")


# ------------------------------------------------------------------------------ the mirror
@dataclass(frozen=True)
class Template:
    url: str
    text: str
    encoding: str
    content_type: str
    title: str
    paragraphs: tuple[str, ...]  # the body paragraphs printed verbatim, rewritten per copy
    era: str


def _new_url(era: str, url: str, index: int) -> str:
    """A URL of the template's era for the index-th generated article."""
    if "/article/1/" in url:
        return f"{CHANNEL}article/1/{1517452279542722577 + (index << 22)}"
    if era == "trs":
        return f"http://www.hnr.cn/news/hnxw/201206/t20120611_{5000000 + index}.html"
    if era == "redesign":
        return f"http://news.hnr.cn/a/20220120/{6000000 + index}.html"
    if "finance.hnr.cn" in url:
        return f"http://finance.hnr.cn/201812/05/{3000000 + index}.html"
    return f"http://news.hnr.cn/201906/21/{2000000 + index}.html"


def load_templates() -> list[Template]:
    """The fixture articles with what a copy varies."""
    sys.path.insert(0, str(REPO))
    from crawler.extract import extract
    from crawler.extract.decode import decode_html

    manifest = json.loads((FIXTURE_SITE / "manifest.json").read_text(encoding="utf-8"))
    pages = manifest["pages"]
    templates = []
    for page in pages:
        if page["kind"] != "article" or any(skip in page["url"] for skip in SKIP_TEMPLATES):
            continue
        body = (FIXTURE_SITE / page["file"]).read_bytes()
        text, encoding = decode_html(body, None)
        record = extract(body, page["url"])
        lines = tuple(
            line for line in record["body"].split("\n") if len(line) >= 30 and line in text
        )
        if not record["title"] or record["title"] not in text or not lines:
            continue
        templates.append(
            Template(
                url=page["url"],
                text=text,
                encoding=encoding,
                content_type=page.get("content_type") or "text/html; charset=utf-8",
                title=record["title"],
                paragraphs=lines,
                era=page.get("template") or "",
            )
        )
    return templates


def generated_text(words: random.Random, length: int) -> str:
    """About `length` characters of sentences of WORDS, numbers and punctuation."""
    parts: list[str] = []
    size = 0
    while size < length:
        clause = "".join(words.choice(WORDS) for _ in range(words.randint(2, 5)))
        if words.random() < 0.3:
            clause += f"{words.randint(2, 9999)}{words.choice('个万亿人家项吨')}"
        clause += words.choice("，，，。")
        parts.append(clause)
        size += len(clause)
    return "".join(parts)[:length].rstrip("，") + "。"


def article_page(template: Template, index: int, urls: list[str], site) -> bytes:
    """The index-th article: the template with a new headline, its own body paragraphs and its
    links to fixture articles pointing at other generated articles."""
    count = len(urls)
    own = template.url
    step = iter(range(1, 10_000))

    def relink(match: re.Match[str]) -> str:
        url = match.group(0)
        if url == own or urlsplit(url).path == urlsplit(own).path:  # itself, on any host
            return urls[index]
        if not site.is_article(url):
            return url
        return urls[(index + next(step) * 7) % count]

    text = template.text.replace(template.title, f"{template.title}（{index}）")
    words = random.Random(index)
    for paragraph in template.paragraphs:
        # Its opening kept (the dateline and its credits), the rest written anew, as long.
        cut = OPENING_RE.match(paragraph)
        kept = cut.group(0) if cut else paragraph[:12]
        text = text.replace(paragraph, kept + generated_text(words, len(paragraph) - len(kept)))
    text = LINK_RE.sub(relink, text)
    return text.encode(template.encoding, errors="xmlcharrefreplace")


def list_page(number: int, pages: int, items: list[tuple[str, str]]) -> bytes:
    """List page `number` (1 is the channel root) of the generated channel."""
    rows = "\n".join(
        f'<li><a href="{url}" target="_blank">{title}</a><span>2022-04-22</span></li>'
        for url, title in items
    )
    pager = []
    if number > 1:
        previous = CHANNEL if number == 2 else f"{CHANNEL}{number - 1}.html"
        pager.append(f'<a href="{previous}">上一页</a>')
    if number < pages:
        pager.append(f'<a href="{CHANNEL}{number + 1}.html">下一页</a>')
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>精品原创_映象网</title>
<meta name="keywords" content="映象网,河南,新闻"></head>
<body>
<div class="header"><a class="logo" href="{CHANNEL}">映象网</a>
<ul class="nav"><li><a href="{CHANNEL}">精品原创</a></li>
<li><a href="http://www.hnr.cn/admin/login.html">登录</a></li></ul></div>
<div class="w1200 list-box"><div class="position">当前位置：精品原创</div>
<ul class="list">
{rows}
</ul>
<div class="pages">{" ".join(pager)}</div></div>
<div class="footer">Copyright © 映象网 版权所有</div>
</body></html>
"""
    return html.encode("utf-8")


def build_mirror(root: Path, articles: int, per_list: int = 20) -> dict:
    """fixtures-style `root/hnr/{manifest.json, mirror/}` with `articles` articles."""
    from crawler.sites.profile import SiteConfig

    templates = load_templates()
    site_config = SiteConfig.load("hnr")
    site = root / "hnr"
    pages_dir = site / "mirror" / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    chosen = [templates[i % len(templates)] for i in range(articles)]
    urls = [_new_url(t.era, t.url, i) for i, t in enumerate(chosen)]
    entries = []
    titles = []
    for index, template in enumerate(chosen):
        name = f"pages/{index}.html"
        (site / "mirror" / name).write_bytes(article_page(template, index, urls, site_config))
        entries.append(
            {"url": urls[index], "file": f"mirror/{name}", "content_type": template.content_type}
        )
        titles.append(f"{template.title}（{index}）")
    lists = max(1, -(-articles // per_list))
    for number in range(1, lists + 1):
        chunk = range((number - 1) * per_list, min(number * per_list, articles))
        name = f"pages/list-{number}.html"
        body = list_page(number, lists, [(urls[i], titles[i]) for i in chunk])
        (site / "mirror" / name).write_bytes(body)
        url = CHANNEL if number == 1 else f"{CHANNEL}{number}.html"
        entries.append(
            {"url": url, "file": f"mirror/{name}", "content_type": "text/html; charset=utf-8"}
        )
    robots = (FIXTURE_SITE / "mirror" / "news.hnr.cn" / "robots.txt").read_bytes()
    for host in HOSTS:
        (site / "mirror" / host).mkdir(parents=True, exist_ok=True)
        (site / "mirror" / host / "robots.txt").write_bytes(robots)
        entries.append(
            {
                "url": f"http://{host}/robots.txt",
                "file": f"mirror/{host}/robots.txt",
                "content_type": "text/plain; charset=utf-8",
            }
        )
    (site / "manifest.json").write_text(
        json.dumps({"description": "generated by benchmarks/crawl.py", "pages": entries}),
        encoding="utf-8",
    )
    return {"articles": articles, "lists": lists, "templates": len(templates)}


class MirrorProcess:
    """The loopback mirror in a process of its own; `proxy_url` once it listens."""

    SCRIPT = (
        "import sys, signal\n"
        "from pathlib import Path\n"
        "from crawler.crawl.mirror import MirrorServer\n"
        "server = MirrorServer(Path(sys.argv[1])).start()\n"
        "print(server.proxy_url, flush=True)\n"
        "signal.sigwait({signal.SIGTERM, signal.SIGINT})\n"
        "server.stop()\n"
    )

    def __init__(self, site_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.SCRIPT, str(site_dir)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        assert self.process.stdout is not None
        self.proxy_url = self.process.stdout.readline().strip()
        if not self.proxy_url.startswith("http://"):
            self.stop()
            raise RuntimeError("the mirror did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ------------------------------------------------------------------------------ the crawls
def crawl_settings(kind: str, proxy: str, out_dir: Path, concurrency: int) -> dict:
    common = {
        "XINWEN_OFFLINE_ENABLED": True,
        "XINWEN_MIRROR_PROXY": proxy,
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "LOG_LEVEL": "WARNING",
        "XINWEN_SUMMARY_LOG": False,
    }
    if kind == "bare":
        return {**common, "ITEM_PIPELINES": {}, "FEEDS": {}}
    pipeline = {
        **common,
        "FEEDS": {str(out_dir / "records.jsonl"): {"format": "jsonlines", "overwrite": True}},
        "XINWEN_QUARANTINE_PATH": str(out_dir / "rejected.jsonl"),
    }
    if kind == "buffered":  # the same, but Scrapy's own buffered file storage: no fsync per line
        plain = "scrapy.extensions.feedexport.FileFeedStorage"
        pipeline["FEED_STORAGES"] = {"": plain, "file": plain}
    return pipeline


def bare_spider_class():
    """The hnr spider with its link following only: article pages yield the same article
    requests as in the real crawl, and nothing is extracted."""
    from crawler.spiders.hnr import HnrSpider

    class BareHnrSpider(HnrSpider):
        def parse_article(self, response):
            self._stat("pages/article")
            for url, _text in self.links(response):
                if self.site.is_article(url):
                    request = self.article_request(url)
                    if request is not None:
                        yield request

    return BareHnrSpider


def child(kind: str, proxy: str, out_dir: Path, concurrency: int) -> None:
    """One crawl in this process; prints its figures as JSON on the last line."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.spiders.hnr import HnrSpider

    settings = get_project_settings()
    settings.setdict(crawl_settings(kind, proxy, out_dir, concurrency), priority="cmdline")
    process = CrawlerProcess(settings)
    spider = bare_spider_class() if kind == "bare" else HnrSpider
    crawler = process.create_crawler(spider)
    process.crawl(crawler, channels=CHANNEL)
    started = time.perf_counter()
    process.start()
    wall = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    robots = stats.get("robotstxt/response_count", 0)
    pages = stats.get("response_received_count", 0) - robots
    elapsed = stats.get("elapsed_time_seconds") or wall
    usage = resource.getrusage(resource.RUSAGE_SELF)
    records = 0
    if kind != "bare" and (out_dir / "records.jsonl").exists():
        with open(out_dir / "records.jsonl", "rb") as handle:
            records = sum(1 for _ in handle)
    print(
        json.dumps(
            {
                "kind": kind,
                "pages": pages,
                "elapsed": elapsed,
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "items": stats.get("item_scraped_count", 0),
                "records": records,
                "dropped": stats.get("item_dropped_count", 0),
                "errors": stats.get("log_count/ERROR", 0),
                "maxrss_kb": usage.ru_maxrss,
            }
        )
    )


def run_child(kind: str, proxy: str, out_dir: Path, concurrency: int) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--proxy",
            proxy,
            "--out",
            str(out_dir),
            "--concurrency",
            str(concurrency),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"{kind} crawl failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def crawl_pair(
    root: Path, articles: int, per_list: int, concurrency: int, kinds: tuple, rounds: int = 1
) -> dict:
    """Build a mirror of `articles` articles and crawl it `rounds` times with each kind, the
    kinds taking turns. Each kind's figures are its fastest round's (as `speed.py` takes the
    best round: on a shared machine the least disturbed run says most about the code); every
    round's pages/s are kept under `rounds`."""
    site_root = root / f"mirror-{articles}"
    started = time.perf_counter()
    built = build_mirror(site_root, articles, per_list)
    built["build_s"] = time.perf_counter() - started
    mirror = MirrorProcess(site_root / "hnr")
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    try:
        for number in range(rounds):
            for kind in kinds:
                out = root / f"out-{kind}-{articles}-{number}"
                runs[kind].append(run_child(kind, mirror.proxy_url, out, concurrency))
    finally:
        mirror.stop()
    best = {kind: max(results, key=rate) for kind, results in runs.items()}
    return {
        "mirror": built,
        **best,
        "rounds": [{kind: rate(runs[kind][n]) for kind in kinds} for n in range(rounds)],
    }


def fsync_cost(lines: int, directory: Path) -> dict:
    """Cost of a flush + fsync after every JSON line (kill -9 durability) against plain
    buffered writes, for `lines` records of the size the crawl writes."""
    record = json.dumps({"body": "映象网讯 " * 200, "title": "标题"}, ensure_ascii=False) + "\n"
    timings = {}
    for mode in ("buffered", "flush+fsync"):
        path = directory / f"fsync-{mode}.jsonl"
        started = time.perf_counter()
        with open(path, "w", encoding="utf-8") as handle:
            for _ in range(lines):
                handle.write(record)
                if mode != "buffered":
                    handle.flush()
                    os.fsync(handle.fileno())
        timings[mode] = (time.perf_counter() - started) * 1000 / lines
        path.unlink()
    return timings


# ------------------------------------------------------------------------------ printing
def rate(result: dict) -> float:
    return result["pages"] / result["elapsed"] if result["elapsed"] else 0.0


def report(args: argparse.Namespace, main: dict, memory: dict | None, fsync: dict) -> str:
    lines = [
        f"crawl benchmark, {date.today().isoformat()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; mirror of {main['mirror']['articles']} articles "
        f"({main['mirror']['templates']} fixture templates) + {main['mirror']['lists']} list "
        f"pages, concurrency {args.concurrency}, robots.txt obeyed, AutoThrottle off, delay 0",
        "",
        "| crawl | pages | records | elapsed s | pages/s | CPU s | CPU ms/page | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind in ("bare", "pipeline", "buffered"):
        r = main.get(kind)
        if r is None:
            continue
        lines.append(
            f"| {kind} | {r['pages']} | {r['records'] if kind != 'bare' else '–'} "
            f"| {r['elapsed']:.2f} | {rate(r):.0f} | {r['cpu']:.2f} "
            f"| {r['cpu'] * 1000 / max(r['pages'], 1):.2f} | {r['maxrss_kb'] / 1024:.0f} |"
        )
    lines += [
        "",
        f"flush+fsync per JSON line on this disk: {fsync['flush+fsync']:.3f} ms/record "
        f"vs buffered {fsync['buffered']:.4f} ms/record",
    ]
    if "buffered" in main:
        durable, buffered = main["pipeline"], main["buffered"]
        lines.append(
            f"durable export (flush + fsync + state commit per record) vs Scrapy's buffered "
            f"FileFeedStorage: {rate(durable):.0f} vs {rate(buffered):.0f} pages/s, "
            f"{durable['cpu'] * 1000 / max(durable['pages'], 1):.2f} vs "
            f"{buffered['cpu'] * 1000 / max(buffered['pages'], 1):.2f} CPU ms/page; fsync waits "
            f"~{fsync['flush+fsync'] * durable['records'] / 1000:.1f} s of the crawl's "
            f"{durable['elapsed']:.1f} s"
        )
    if memory:
        small, large = main["pipeline"], memory["pipeline"]
        growth = large["maxrss_kb"] / small["maxrss_kb"] - 1
        lines += [
            "",
            f"memory: pipeline crawl of {small['pages']} pages peak RSS "
            f"{small['maxrss_kb'] / 1024:.0f} MB, of {large['pages']} pages "
            f"{large['maxrss_kb'] / 1024:.0f} MB ({large['records']} records, "
            f"{rate(large):.0f} pages/s): {growth:+.0%} (target within 20%: "
            f"{'ok' if abs(growth) <= 0.20 else 'MISSED'})",
        ]
    if len(main["rounds"]) > 1:
        each = ", ".join(
            f"{r['pipeline']:.0f}/{r['bare']:.0f} ({r['pipeline'] / r['bare']:.2f})"
            for r in main["rounds"]
        )
        lines += ["", f"rounds, pipeline/bare pages/s (ratio): {each}; the table: each fastest"]
    pipeline, bare = rate(main["pipeline"]), rate(main["bare"])
    lines.append(
        f"crawl: pipeline {pipeline:.0f} pages/s, bare {bare:.0f} pages/s, "
        f"ratio {pipeline / bare:.2f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated articles")
    parser.add_argument("--per-list", type=int, default=20, help="articles per list page")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS")
    parser.add_argument(
        "--rounds", type=int, default=3, help="crawls of each kind, taking turns (fastest kept)"
    )
    parser.add_argument("--memory", action="store_true", help="also the 20,000-page crawl")
    parser.add_argument(
        "--buffered",
        action="store_true",
        help="also the full crawl with Scrapy's buffered file storage (cost of per-record fsync)",
    )
    parser.add_argument("--memory-pages", type=int, default=20000)
    parser.add_argument("--keep", help="build mirrors and outputs here and keep them")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--proxy", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.proxy, Path(args.out), args.concurrency)
        return 0
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xinwen-crawl-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        kinds = ("bare", "pipeline", "buffered") if args.buffered else ("bare", "pipeline")
        result = crawl_pair(
            root, args.pages, args.per_list, args.concurrency, kinds, max(1, args.rounds)
        )
        memory = None
        if args.memory:
            memory = crawl_pair(
                root, args.memory_pages, args.per_list, args.concurrency, ("pipeline",)
            )
        fsync = fsync_cost(2000, root)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps({"main": result, "memory": memory, "fsync": fsync}, indent=1))
    print(report(args, result, memory, fsync))
    return 0


if __name__ == "__main__":
    sys.exit(main())
