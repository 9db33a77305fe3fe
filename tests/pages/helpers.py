"""Shared helpers of the page tests: a confidential canary (built by
tests/canaries.py), page crawling, text of a page."""

import datetime
import html as html_module
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

from tests import canaries
from tests.factories import cell_at, marking

CANARY = "CANARY-9d2e confidential liaison"
CANARY_SOURCE_TITLE = f"Report {CANARY}"


def plant_canary(users):
    """Confidential evidence (releasable to MA only) and an assessment resting on it,
    on Morocco's measure 11 — plus a public assessment on the same cell, so the
    reader sees *something* there and the level must come from the public one."""
    cell = cell_at(11, "MA")
    canaries.plant_public_news(users.editor, cell, datetime.date(2011, 3, 10))
    return canaries.plant(
        users.confidential_editor,
        cell,
        "agreed",
        datetime.date(2011, 3, 11),
        marking=marking("confidential", "MA"),
        text=CANARY,
        source_key="canary-source",
    )


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links(html):
    parser = _Links()
    parser.feed(html)
    return parser.links


SKIP = ("/admin/", "/api/", "/accounts/logout", "/i18n/", "/static/")


def crawl(client, start, limit=300, follow=lambda url: True):
    """Pages reachable from ``start`` by internal links (GET only), as {url: response}.
    ``follow(url)`` picks which links to follow (the start pages are always read)."""
    seen, queue, pages = set(), list(start), {}
    while queue and len(pages) < limit:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or not url.startswith("/") or url.startswith(SKIP):
            continue
        if url not in start and not follow(url):
            continue
        seen.add(url)
        response = client.get(url)
        pages[url] = response
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            for href in links(response.content.decode()):
                if href.startswith("?"):
                    href = urlparse(url).path + href
                if href.startswith("/") and href not in seen:
                    queue.append(href)
    return pages


def text(response):
    """The visible text of a page, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
