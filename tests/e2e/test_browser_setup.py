"""What `bin/coguard test` and this folder do about the browser: run the tests
with the system Chromium, install Debian's package when it can, and otherwise
skip with advice. These checks need no browser."""

from __future__ import annotations

from pathlib import Path

from platform_core import launcher
from tests.e2e.conftest import unavailable_reason


def test_only_runs_that_include_the_browser_tests_look_for_chromium():
    assert launcher.browser_tests_selected([])
    assert launcher.browser_tests_selected(["-k", "story", "-x"])
    assert launcher.browser_tests_selected(["tests"])
    assert launcher.browser_tests_selected(["tests/e2e/test_story.py::test_brand_reviewer"])
    assert not launcher.browser_tests_selected(["tests/test_signals.py", "tests/complaints"])


def test_without_apt_or_root_the_launcher_explains_and_goes_on(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setattr(launcher, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(launcher.shutil, "which", lambda name: None)
    launcher.ensure_chromium([])
    out = capsys.readouterr().out
    assert "browser tests (tests/e2e) will be skipped" in out
    assert "apt-get install chromium" in out


def test_a_missing_browser_is_a_skip_with_the_way_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    reason = unavailable_reason()
    assert reason and "apt-get install chromium" in reason and "CHROMIUM_PATH" in reason
    monkeypatch.setenv("CHROMIUM_PATH", str(Path("/bin/sh")))  # any executable will do
    assert unavailable_reason() is None
