"""The reporting form in a real headless Chromium against a real `labourwatch serve --demo`.

A tipster fills in the form and sends it, reads the receipt, looks it up (已受理);
the office triages the tip into a routed case and replies; the tipster sees 调查中
and the reply. Set LABOURWATCH_FORM_SCREENSHOT=docs/form.png to save the filled-in
form as the README's picture.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from app.services.demo.demo import DEMO_PASSWORD
from tests import needs
from tests.e2e.test_serve import server  # noqa: F401 - the fixture: a real server process

REPLY = "已立案调查，感谢您的举报。"


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    chromium, chromedriver = needs.chromium()
    with tempfile.TemporaryDirectory(prefix="lw-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(chromium)
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--lang=zh-CN",
            "--window-size=520,1000",
            "--hide-scrollbars",
        ):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(str(chromedriver)), options=options)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


def _wait_for(driver: WebDriver, element_id: str) -> str:
    found = WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((By.ID, element_id))
    )
    return str(found.text)


def _fill_in(driver: WebDriver, base: str) -> None:
    driver.get(base + "/")
    assert driver.find_element(By.TAG_NAME, "h1").text == "举报非法用工"
    # the page's Content-Security-Policy lets its own style block in: the button is red
    send = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert send.value_of_css_property("background-color") == "rgba(187, 0, 0, 1)"
    driver.find_element(By.CSS_SELECTOR, 'input[value="forced_labour"]').click()
    driver.find_element(By.CSS_SELECTOR, 'input[value="id_document_detention"]').click()
    driver.find_element(By.ID, "description").send_keys(
        "羊二庄镇北边砖窑厂有十几个工人被关着干活，身份证被老板收走，不让回家。"
    )
    driver.find_element(By.ID, "employer_name").send_keys("某砖窑厂")
    Select(driver.find_element(By.ID, "jurisdiction_id")).select_by_visible_text("黄骅市")


def _screenshot(driver: WebDriver, target: str) -> None:
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(520, height + 120)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(path))


def _look_up(driver: WebDriver, base: str, receipt: str) -> str:
    driver.get(base + "/status")
    driver.find_element(By.ID, "receipt").send_keys(receipt)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    return _wait_for(driver, "status")


def _triage_and_reply(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        token = c.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": "coordinator", "password": DEMO_PASSWORD},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        waiting = c.get("/api/v1/tips", params={"status": "received"}, headers=auth).json()[
            "items"
        ]  # the demo's own tips, then this one
        tip = waiting[-1]
        assert tip["channel"] == "web"
        assert tip["violation_types"] == ["forced_labour", "id_document_detention"]
        kiln = c.post(
            "/api/v1/employers",
            headers=auth,
            json={
                "name": "某砖窑厂",
                "industry": "brick_kiln",
                "jurisdiction_id": tip["jurisdiction_id"],
            },
        )
        assert kiln.status_code == 201, kiln.text
        triaged = c.post(
            f"/api/v1/tips/{tip['id']}/triage",
            headers=auth,
            json={"decision": "open_case", "employer_id": kiln.json()["id"]},
        )
        assert triaged.status_code == 200, triaged.text
        assert triaged.json()["case_id"] is not None
        reply = c.post(f"/api/v1/tips/{tip['id']}/replies", headers=auth, json={"message": REPLY})
        assert reply.status_code == 201, reply.text


def test_a_tip_sent_from_chromium_is_followed_to_a_reply(
    browser: WebDriver,
    server: str,  # noqa: F811
) -> None:
    _fill_in(browser, server)
    target = os.environ.get("LABOURWATCH_FORM_SCREENSHOT")
    if target:
        _screenshot(browser, target)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    receipt = _wait_for(browser, "receipt")
    assert "请妥善保存回执码" in browser.page_source
    assert len(receipt) == 24 and receipt.count("-") == 4
    assert _look_up(browser, server, receipt) == "已受理"
    _triage_and_reply(server)
    assert _look_up(browser, server, receipt) == "调查中"
    assert REPLY in browser.find_element(By.TAG_NAME, "body").text
    assert browser.get_cookies() == []
