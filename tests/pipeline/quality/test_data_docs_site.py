"""The Data Docs site as the lake gate publishes it, opened in headless Chromium: from disk and
through the Airflow UI's link, with no console error and no request outside the site; the index
lists the runs with their pass/fail status and a validation page shows its expectations. Every
asset is the site's own copy (``data_docs_offline``), and the vendored copies are the recorded
ones.

One site is built for the module by the real gate: a passing run, then a failing one.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from support.docs_server import serve_docs_site
from test_lake_gate import DAY, EXPECTATIONS, good_rows, write_partition

from olist_pipeline.lake.partitions import Lake
from olist_pipeline.quality import data_docs_offline
from olist_pipeline.quality.lake_gate import LakeGateFailed, run_lake_gate

PASSING, FAILING = "run-passing", "run-failing"
CDN_HOSTS = ("unpkg.com", "jsdelivr.net", "cdnjs.cloudflare.com", "bootstrapcdn.com", "jquery.com")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data-docs")
    lake = Lake.from_uri(str(root / "lake"))
    arguments = {
        "expectations_dir": EXPECTATIONS,
        "gx_project_dir": root / "gx",
        "data_docs_uri": str(root / "docs"),
        "tables": ["sellers"],
    }
    write_partition(lake, "sellers", good_rows()["sellers"])
    run_lake_gate(lake, DAY, run_id=PASSING, **arguments)
    bad = good_rows()["sellers"]
    bad["seller_id"] = [None]
    write_partition(lake, "sellers", bad)
    with pytest.raises(LakeGateFailed):
        run_lake_gate(lake, DAY, run_id=FAILING, **arguments)
    return root / "docs"


class Watched:
    """A page recording its console errors and every URL it requests."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))


@pytest.fixture
def watched(browser):
    page = Watched(browser)
    yield page
    page.page.close()


def _index_rows(watched: Watched, index_url: str) -> dict[str, str]:
    """Open the index; each validation run's name -> its status icon's class (bootstrap-table,
    jQuery and Font Awesome all loaded, or the table and icons are not there)."""
    page = watched.page
    page.goto(index_url)
    page.wait_for_selector(".ge-index-page-validation-results-table tbody tr td i")
    assert page.evaluate("() => document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.ge-index-page-validation-results-table tbody tr')]
            .map(row => [row.innerText, row.querySelector('td i').className])"""
    )
    return {name: icon for text, icon in rows for name in (PASSING, FAILING) if name in text}


def _assert_offline(watched: Watched, origin: str) -> None:
    assert watched.errors == []
    assert [url for url in watched.requests if not url.startswith(origin)] == []


def test_the_index_lists_the_runs_with_their_status_from_disk(site, watched):
    rows = _index_rows(watched, (site / "index.html").as_uri())

    assert set(rows) == {PASSING, FAILING}
    assert "fa-check-circle" in rows[PASSING] and "text-success" in rows[PASSING]
    assert "fa-times" in rows[FAILING] and "text-danger" in rows[FAILING]
    _assert_offline(watched, site.as_uri() + "/")
    # the vendored stylesheets, scripts and fonts were the ones loaded
    assert any("/static/vendor/jquery@3.7.1/" in url for url in watched.requests)
    assert any(url.endswith("fa-solid-900.woff2") for url in watched.requests)


def test_a_validation_page_shows_its_expectations(site, watched):
    failing = next(p for p in (site / "validations").rglob("*.html") if FAILING in str(p))
    watched.page.goto(failing.as_uri())
    watched.page.wait_for_selector("table.table-bordered")
    text = watched.page.inner_text("body")

    assert "Expectation Validation Result" in text
    assert "seller_id" in text and "values must never be null" in text
    assert re.search(r"Unsuccessful Expectations\s+1\b", text)
    assert watched.page.locator("i.fa-times.text-danger").count() >= 1
    assert watched.page.evaluate("() => typeof vegaEmbed === 'function'")
    _assert_offline(watched, site.as_uri() + "/")


@pytest.fixture
def served_plugin(site):
    """The Airflow UI's docs plugin serving the site, as the api-server mounts it."""
    with serve_docs_site("Data Docs", site, "/data-docs") as served:
        yield served


def test_the_airflow_link_serves_the_same_site(served_plugin, watched):
    origin, href = served_plugin
    rows = _index_rows(watched, origin + href)

    assert set(rows) == {PASSING, FAILING}
    _assert_offline(watched, origin + "/")


def test_no_file_of_the_site_calls_another_host(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 4  # the index, the suite, two validations
    for path in [*pages, *site.rglob("*.css")]:
        text = path.read_text(encoding="utf-8")
        assert data_docs_offline.external_references(text) == [], path
        assert "dataContextId" not in text and "great-expectations-web-assets" not in text, path
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://", re.sub(r"http://www\.w3\.org/[^\"']*", "", text)), path
        assert "newsletter" not in text and 'id="ge-cta-footer"' not in text, path
    for path in site.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not any(host in text for host in CDN_HOSTS), path
        for source_map in re.findall(r"sourceMappingURL=(\S+)", text):
            assert "//" not in source_map, path


def test_a_pass_checks_the_pages_written_since_the_last_and_a_new_site_every_page(tmp_path):
    site = tmp_path / "docs"
    (site / "validations").mkdir(parents=True)
    cdn = next(iter(data_docs_offline.vendored_urls()))
    as_rendered = f'<html><head><script src="{cdn}"></script></head></html>'
    old, new = site / "validations" / "old.html", site / "index.html"
    old.write_text(as_rendered)

    data_docs_offline.make_self_contained(site)  # no stamp yet: every page
    assert cdn not in old.read_text()
    stamp = site / data_docs_offline.STAMP
    assert stamp.is_file()

    # a page last written before that pass (here with the CDN put back, to show it is not read)
    # and one written since, as GX writes the index and the run's pages
    old.write_text(as_rendered)
    earlier = stamp.stat().st_mtime_ns - 1_000_000_000
    os.utime(old, ns=(earlier, earlier))
    new.write_text(as_rendered)
    data_docs_offline.make_self_contained(site)
    assert cdn not in new.read_text()
    assert cdn in old.read_text()

    stamp.unlink()  # a site from before the stamp: every page again
    data_docs_offline.make_self_contained(site)
    assert cdn not in old.read_text()


def test_the_vendored_files_are_the_recorded_ones():
    record = data_docs_offline.manifest()
    kept = set()
    for package in record["packages"]:
        folder = data_docs_offline.ASSETS_DIR / f"{package['name']}@{package['version']}"
        assert package["licence"] and len(package["tarball_sha256"]) == 64
        for relative, digest in package["files"].items():
            assert hashlib.sha256((folder / relative).read_bytes()).hexdigest() == digest
            kept.add(f"{package['name']}@{package['version']}/{relative}")
    on_disk = {
        p.relative_to(data_docs_offline.ASSETS_DIR).as_posix()
        for p in data_docs_offline.ASSETS_DIR.rglob("*")
        if p.is_file()
    }
    assert on_disk - {"assets.json", "README.md"} == kept
    assert set(record["urls"].values()) <= kept


def test_every_cdn_url_of_the_gx_templates_is_vendored():
    """A GX upgrade that names another CDN file fails here, before a page calls out."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    named = set()
    for template in templates.glob("*.j2"):
        if not template.name.startswith("markdown"):
            named.update(re.findall(r"(?:src|href)=\"(https://[^\"{]+)\"", template.read_text()))
    links = {
        url
        for url in named
        if "greatexpectations.io" in url  # the vendor's links, removed from the pages
    }
    assert named - links <= set(data_docs_offline.vendored_urls())
