"""Browser tests: Debian's Chromium, headless, driven by Playwright for Python
against pytest-django's live server (and a real Celery worker where the story
needs one). Playwright never downloads a browser here: it launches the system
one (``CHROMIUM_PATH``, else ``chromium`` on PATH, else /usr/bin/chromium).
Without it, or without Playwright, every test in this folder is skipped with
the reason and how to install it.

Screenshots and accessibility reports go to ``E2E_ARTIFACTS`` (default
``var/e2e-artifacts/``)."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

AXE_SOURCE = Path(__file__).with_name("vendor").joinpath("axe.min.js")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
# axe impacts that fail a page; "moderate" and "minor" ones are reported only.
BLOCKING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 15_000


def chromium_path() -> Path | None:
    configured = os.environ.get("CHROMIUM_PATH")
    candidates = [configured] if configured else [shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def unavailable_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Playwright for Python is not installed: pip install -e '.[dev]' "
            "(bin/coguard test does it)"
        )
    if chromium_path() is None:
        return (
            "no Chromium found (CHROMIUM_PATH, chromium on PATH, /usr/bin/chromium): "
            "install Debian's package with `apt-get install chromium`, or set CHROMIUM_PATH"
        )
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "var" / "e2e-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="package")
def browser():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, which Django
    # takes for async code and refuses ORM calls in: the tests' own setup and
    # checks are plain synchronous code, so lift that guard while they run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=str(chromium_path()), headless=True)
        yield chromium
        chromium.close()
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Person:
    """One person's browser (own cookies), with the checks every page gets."""

    name: str
    page: object
    base_url: str
    artifacts: Path
    csp_violations: list[str] = field(default_factory=list)

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        page = self.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))

    def shot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_accessibility(self, name: str) -> list[dict]:
        """Run axe-core in the page and fail on serious or critical violations.

        The CSP (script-src 'self') refuses an injected inline <script>, so
        axe is evaluated through the DevTools protocol, which the page's
        policy does not govern; the page itself runs unchanged. Its CSS
        preload is off: it re-reads stylesheets that ``@import`` others (the
        console's forms.css) by injecting them as inline <style> elements,
        which the CSP rightly refuses — a refusal of axe's, not the page's.
        Only the css-orientation-lock rule uses the preload."""
        page = self.page
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(
                    document, {resultTypes: ['violations'], preload: false}
                );
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 160)),
                }));
            }"""
        )
        report = self.artifacts / f"{name}.axe.json"
        report.write_text(json.dumps({"url": page.url, "violations": violations}, indent=2))
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"{name} ({page.url}): " + "; ".join(
            f"{v['id']} [{v['impact']}] {v['help']}: {v['nodes'][:3]}" for v in blocking
        )
        return violations

    def visit(self, name: str) -> None:
        """A main page: screenshot it, then check it for accessibility."""
        self.page.wait_for_load_state("load")
        self.shot(name)
        self.check_accessibility(name)


@pytest.fixture
def person(browser, live_server, artifacts):
    """``person("alice")`` → a fresh browser context at the live server."""
    contexts, people = [], []

    def make(name: str) -> Person:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        who = Person(name, page, live_server.url, artifacts)
        people.append(who)
        page.on(
            "console",
            lambda msg: (
                who.csp_violations.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        return who

    yield make
    for context in contexts:
        context.close()
    # Kept beside the screenshots: what the CSP refused on the way. Every
    # page, the console's included, runs under the strict policy without one.
    refused = []
    for who in people:
        report = artifacts / f"csp-{who.name}.txt"
        if who.csp_violations:
            report.write_text("\n".join(who.csp_violations) + "\n")
            refused.extend(who.csp_violations)
        else:
            report.unlink(missing_ok=True)
    assert not refused, "the CSP refused:\n" + "\n".join(refused)
