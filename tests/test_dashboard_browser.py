"""The dashboard in a real browser (Debian's headless chromium driven by Selenium) while the demo trades
on the local front: positions and orders update, a parameter edit (invalid, then valid), halt and resume
an agent, the kill switch with its confirmation. A screenshot is saved in the test's tmp directory."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.dashboard_engine import TOKENS, DemoRun, demo_engine, served, wait_for

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1400",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _text(driver: webdriver.Chrome, css: str) -> str:
    """The text of the first element matching `css` ('' when absent; the page redraws under us)."""
    for _ in range(5):
        try:
            found = driver.find_elements(By.CSS_SELECTOR, css)
            return found[0].text if found else ""
        except StaleElementReferenceException:
            continue
    return ""


def _until(what: str, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    def check() -> Any:
        try:
            return predicate()
        except (StaleElementReferenceException, WebDriverException):
            return None

    return wait_for(check, timeout, what)


def _click(driver: webdriver.Chrome, css: str) -> None:
    _until(f"{css} to be clickable", lambda: driver.find_element(By.CSS_SELECTOR, css).click() or True)


def test_dashboard_in_browser_when_demo_trades_shows_updates_and_every_control_works(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    with demo_engine(tmp_path) as run, served(run) as (dashboard, port):
        dashboard.limit.burst = dashboard.limit._level = 1000.0
        base = f"http://127.0.0.1:{port}/?token={TOKENS.admin}"
        browser.get(base + "#/overview")
        _until("the page to go live", lambda: _text(browser, "#status") == "live")
        _until("the trader session on the overview", lambda: _text(browser, "#trader-state") == "ready")
        _check_updates(browser, base)
        _check_params(browser, run)
        _check_halt_resume(browser, run)
        _until("the PnL chart", lambda: browser.find_elements(By.CSS_SELECTOR, "#pnl-chart .main-svg"))
        browser.save_screenshot(str(tmp_path / "dashboard-agent.png"))
        browser.get(base + "#/instrument/m2505")
        _until("the price chart", lambda: browser.find_elements(By.CSS_SELECTOR, "#price-chart .main-svg"))
        browser.save_screenshot(str(tmp_path / "dashboard-instrument.png"))
        _check_kill(browser, run)
        browser.save_screenshot(str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000


def _check_updates(browser: webdriver.Chrome, base: str) -> None:
    browser.get(base + "#/agent/quoter-m")
    _until("quoter-m's position", lambda: "m2505" in _text(browser, "#positions"))
    _until("quoter-m's working orders", lambda: "m2505" in _text(browser, "#orders"))
    before = _text(browser, "#positions") + _text(browser, "#orders") + _text(browser, "#fills")
    _until(
        "positions / orders / fills to change while the demo trades",
        lambda: _text(browser, "#positions") + _text(browser, "#orders") + _text(browser, "#fills") != before,
        20,
    )


def _set_param(browser: webdriver.Chrome, name: str, value: str) -> str:
    def edit() -> bool:  # the page stops redrawing the form once a field has the focus
        field = browser.find_element(By.CSS_SELECTOR, f'#params input[name="{name}"]')
        field.click()
        field.clear()
        field.send_keys(value)
        browser.find_element(By.CSS_SELECTOR, "#save-params").click()
        return True

    _until(f"editing {name}", edit)
    return str(_until("the parameter answer", lambda: _text(browser, "#param-error")))


def _check_params(browser: webdriver.Chrome, run: DemoRun) -> None:
    quoter = next(a for a in run.engine.agents if a.name == "quoter-m")
    error = _set_param(browser, "lots", "0")
    assert "param lots: 0 must be >= 1" in error  # the agent's own rule, shown inline
    assert quoter.params["lots"] == 1
    browser.refresh()
    _until("the agent page again", lambda: "m2505" in _text(browser, "#positions"))
    assert _set_param(browser, "requote_ticks", "3") == "applied"
    wait_for(lambda: quoter.params["requote_ticks"] == 3, 5, "requote_ticks applied on the engine thread")


def _check_halt_resume(browser: webdriver.Chrome, run: DemoRun) -> None:
    _click(browser, "#halt")
    _until("quoter-m halted on the page", lambda: _text(browser, "#agent-state") == "halted")
    assert run.engine.trading_state("quoter-m") == "halted"
    _click(browser, "#resume")
    _until("quoter-m active on the page", lambda: _text(browser, "#agent-state") == "active")
    assert run.engine.trading_state("quoter-m") == "active"


def _check_kill(browser: webdriver.Chrome, run: DemoRun) -> None:
    browser.get(browser.current_url.split("#")[0] + "#/controls")
    _click(browser, "#kill")
    alert = _until("the kill confirmation", lambda: browser.switch_to.alert)
    alert.dismiss()  # cancelled: nothing happens
    time.sleep(0.5)
    assert not run.engine.killed and _text(browser, "#killed") == "false"
    _click(browser, "#kill")
    _until("the kill confirmation", lambda: browser.switch_to.alert).accept()
    _until("the kill on the page", lambda: _text(browser, "#killed") == "true")
    assert run.engine.killed
