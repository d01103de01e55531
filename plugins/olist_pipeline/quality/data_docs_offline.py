"""Data Docs that need nothing outside their own folder.

Great Expectations' page templates load their stylesheets and scripts (Bootstrap, jQuery,
bootstrap-table, Font Awesome, Vega…) from public CDNs, show a logo fetched from the vendor's
bucket with the data context's id in its URL, and end with a newsletter footer and a banner of
links to the vendor's tutorials. Opened without internet the pages render blank; opened with it
they tell a third party when someone reads them.

``make_self_contained(site)`` runs after every build (``gx.publish_data_docs``, before the S3
mirror): it copies the vendored copies of those files (``data_docs_assets/``: npm packages at the
exact versions the templates name, pinned by SHA-256 in ``assets.json``) into
``static/vendor/`` of the site, points every page at them with relative URLs (so the site works
from a ``file://`` folder, behind the Airflow UI's link and on S3), points the logo at the copy
GX ships in ``static/images/``, and removes the newsletter footer, the call-to-action banner and
the link to the vendor's site. GX's content (the index's runs, the validation and suite pages) is
left as rendered (the one change besides: GX's favicon link on validation pages, one folder too
high, is made to point into the site). The pages written since the last pass are checked (the
site's ``STAMP`` file marks when it ended; GX rewrites only the index and the run's own suite
and result pages), so a long validation history costs nothing per run; a site without the
stamp has every page checked, so pages built before this existed are fixed too. A file is
written only when its bytes change.

``python -m olist_pipeline.quality.data_docs_offline`` (``make data-docs-assets``) derives the
vendored files again from the registry with ``npm pack``, checking each tarball's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).with_name("data_docs_assets")
MANIFEST = ASSETS_DIR / "assets.json"
# Where the site keeps its copies, relative to the site's root.
VENDOR = "static/vendor"
LOGO = "static/images/logo-long.png"
# Written when a pass ends: pages older than it were checked then. Rewriting all of a site's
# pages took 2.5 s once it held 346 (about twenty daily runs), and grew with every run.
STAMP = ".self_contained"

# The vendor's image bucket (the navbar logo, with the data context's id, and the dark logo).
_VENDOR_IMAGE = re.compile(
    r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/[^\"')\s]*"
)
_NEWSLETTER = re.compile(
    r"\s*<footer>\s*<p>Stay current on everything GX with our newsletter.*?</footer>", re.DOTALL
)
_CTA_BANNER = re.compile(r"\s*<footer[^>]*\bid=\"ge-cta-footer\".*?</footer>", re.DOTALL)
_CTA_SCRIPT = re.compile(
    r"\s*<script>\s*if \(sessionStorage\.getItem\(\"showCta\"\).*?</script>", re.DOTALL
)
_VENDOR_LINK = re.compile(r"<a href=\"https?://(?:www\.)?greatexpectations\.io/?\">([^<]*)</a>")
# Subresource-integrity attributes of the CDN tags: the files' hashes are checked when they are
# vendored, and a crossorigin request fails from a file:// page.
_SRI = re.compile(r"\s+(?:integrity|crossorigin)=\"[^\"]*\"")
_TAG = re.compile(r"<(?:script|link)\b[^>]*>")
# A link into the site's static/ folder: GX counts the favicon's "../" one short on validation
# pages (it points above the site), so every such link is made relative to the page again.
_STATIC = re.compile(r"(\b(?:src|href)=\")(?:\.\.?/)+static/")
# Any reference that makes a browser fetch from another host: src/href of a tag, url(), @import.
_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)((?:https?:)?//[^"')\s>]+)""",
    re.IGNORECASE,
)


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def vendored_urls() -> dict[str, str]:
    """Each CDN URL the templates name -> the vendored file (``<package>@<version>/<path>``)."""
    return manifest()["urls"]


def make_self_contained(site: Path) -> list[str]:
    """Make the Data Docs site in ``site`` need nothing outside itself (see the module's
    docstring); the external references left in its pages and stylesheets (none when GX's
    templates are the ones this was written for; a warning is logged otherwise)."""
    site = Path(site)
    if not site.is_dir():
        return []
    _copy_assets(site / VENDOR)
    urls = vendored_urls()
    stamp = site / STAMP
    checked_until = stamp.stat().st_mtime_ns if stamp.is_file() else None
    left: list[str] = []
    for page in sorted(site.rglob("*.html")):
        relative = page.relative_to(site)
        if relative.parts[:2] == tuple(VENDOR.split("/")):
            continue
        if checked_until is not None and page.stat().st_mtime_ns < checked_until:
            continue  # checked by an earlier pass and not written since
        root = "../" * (len(relative.parts) - 1)
        _rewrite(page, lambda text, root=root: rewrite_page(text, root, urls))
        left.extend(f"{relative}: {url}" for url in external_references(page.read_text("utf-8")))
    for sheet in sorted((site / "static" / "styles").glob("*.css")):
        _rewrite(sheet, lambda text: _VENDOR_IMAGE.sub("../images/logo-long.png", text))
        relative = sheet.relative_to(site)
        left.extend(f"{relative}: {url}" for url in external_references(sheet.read_text("utf-8")))
    if left:
        log.warning("Data Docs still reference other hosts: %s", "; ".join(left))
    stamp.write_text("pages older than this file have been made self-contained\n")
    return left


def rewrite_page(html: str, root: str, urls: dict[str, str]) -> str:
    """One page with its CDN assets, logo and vendor links replaced; ``root`` is the relative
    path from the page's folder to the site's root ("" or "../../")."""
    for url, local in urls.items():
        html = html.replace(url, f"{root}{VENDOR}/{local}")
    html = _TAG.sub(lambda tag: _SRI.sub("", tag.group(0)), html)
    html = _VENDOR_IMAGE.sub(root + LOGO, html)
    html = _STATIC.sub(lambda link: f"{link.group(1)}{root}static/", html)
    html = _NEWSLETTER.sub("", html)
    html = _CTA_BANNER.sub("", html)
    html = _CTA_SCRIPT.sub("", html)
    return _VENDOR_LINK.sub(r"\1", html)


def external_references(text: str) -> list[str]:
    """The URLs of other hosts ``text`` (HTML or CSS) would make a browser fetch."""
    return _EXTERNAL.findall(text)


def _rewrite(path: Path, change) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    if changed != text:
        path.write_text(changed, encoding="utf-8")


def _copy_assets(target: Path) -> None:
    for source in sorted(p for p in ASSETS_DIR.rglob("*") if p.is_file()):
        destination = target / source.relative_to(ASSETS_DIR)
        if destination.is_file() and destination.read_bytes() == source.read_bytes():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


# --- Deriving the vendored files from the registry ------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def derive(npm: str = "npm") -> dict:
    """Fetch every package of ``assets.json`` with ``npm pack``, check its tarball's SHA-256
    (recording it when the entry has none yet, for a package just added), and write the listed
    files and the package's licence into ``data_docs_assets/``; the updated manifest."""
    record = manifest()
    for package in record["packages"]:
        name, version = package["name"], package["version"]
        with tempfile.TemporaryDirectory() as tmp:
            tarball_name = subprocess.run(
                [npm, "pack", "--silent", f"{name}@{version}"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            tarball = Path(tmp) / tarball_name.splitlines()[-1]
            digest = sha256(tarball)
            if not package.get("tarball_sha256"):
                print(f"recording {name}@{version}: {digest}")
                package["tarball_sha256"] = digest
            elif package["tarball_sha256"] != digest:
                expected = package["tarball_sha256"]
                raise SystemExit(f"{name}@{version}: tarball SHA-256 {digest}, expected {expected}")
            with tarfile.open(tarball) as archive:
                archive.extractall(tmp, filter="data")
            unpacked = Path(tmp) / "package"
            package["licence"] = json.loads((unpacked / "package.json").read_text())["license"]
            folder = ASSETS_DIR / f"{name}@{version}"
            if folder.exists():
                shutil.rmtree(folder)
            files = {}
            for relative in sorted(package["files"]):
                source = unpacked / relative
                destination = folder / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
                files[relative] = sha256(destination)
            package["files"] = files
    MANIFEST.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


if __name__ == "__main__":
    derive(*sys.argv[1:2])
