"""The whole curation loop in a real browser: Debian's headless Chromium, driven by Selenium through Debian's
chromedriver (nothing is downloaded at run time; scripts/bootstrap.sh installs both). A typo string is
parsed and queued -> the desk shows it -> the pharmacist accepts a candidate -> the same string parses as an
exact synonym; then coverage and lookup; then Ctrl-C stops the desk cleanly.

DRUGNORM_DESK_SCREENSHOTS=docs writes the pages' screenshots into docs/ (the README shows them); otherwise
they go to the test's temporary directory.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from drugnorm_admin import bulk

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1366, 768
RAW = ["阿莫西临胶囊 0.25g*24粒 江苏"] * 3 + ["阿莫西临胶囊 0.5g", "硝苯地平空释片 10mg*7片", "硝苯地平空释片 10mg",
       "布洛芬缓试胶囊 0.3g", "(立普妥)阿托伐他汀钙片20mg*7片", "立普妥20mg AR", "泽泻颗粒 10g", "奥美拉唑肠溶胶囊 20mg"]


def _browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        pytest.fail(f"the desk's browser test needs Debian's chromium and chromium-driver ({', '.join(missing)} "
                    "missing): run bash scripts/bootstrap.sh, which installs them")
    os.environ.setdefault("SE_OFFLINE", "true")          # Selenium Manager must never fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN",
              f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_window_size(WIDTH, HEIGHT)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture
def desk(mini_db):
    """The typo strings written to a hospital table with an attach trigger and the queue on; the desk as the
    command starts it, on a free port."""
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("UPDATE drugnorm.setting SET value = 'on' WHERE name = 'review_queue'")
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, drug_text text)")
    bulk.attach(mini_db, "rx", "drug_text", "drug_norm", log=lambda *_: None)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        for raw in RAW:
            conn.execute("INSERT INTO rx (drug_text) VALUES (%s)", (raw,))
        doc = conn.execute("SELECT drug_norm FROM rx WHERE drug_text = %s", (RAW[0],)).fetchone()[0]
        seg = next(s for s in doc["segments"] if s["text"] == "阿莫西临胶囊")
        assert seg["match"] == "fuzzy" and doc["evidence"]["product_name"] == "fuzzy"
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event WHERE fragment = '阿莫西临胶囊'").fetchone()[0] == 4
    env = {k: v for k, v in os.environ.items() if k != "DRUGNORM_DSN"}
    proc = subprocess.Popen([sys.executable, "-m", "drugnorm_admin.cli", "--dsn", mini_db, "desk", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        pytest.fail(f"desk did not start: {url!r} {proc.stderr.read()}")
    yield mini_db, url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _shots_dir(tmp_path) -> Path:
    return ROOT / "docs" if os.environ.get("DRUGNORM_DESK_SCREENSHOTS") == "docs" else tmp_path


def _fits(driver) -> None:
    """Usable on a 1366x768 screen: nothing wider than the window."""
    width = driver.execute_script("return document.documentElement.scrollWidth")
    inner = driver.execute_script("return window.innerWidth")
    assert width <= inner, (width, inner)


def _wait(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    while time.monotonic() < end:
        try:
            value = predicate()
        except (StaleElementReferenceException, NoSuchElementException):
            value = None     # the page was replaced while we read it, or the next one is not there yet: read again
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting in the browser")


def test_the_curation_loop_in_a_browser(desk, tmp_path):
    from selenium.webdriver.common.by import By
    dsn, url, proc = desk
    shots = _shots_dir(tmp_path)
    driver = _browser()
    try:
        driver.get(url + "queue")
        assert driver.title.startswith("待审核")
        items = driver.find_elements(By.CSS_SELECTOR, "section.item")
        frags = [i.get_attribute("data-fragment") for i in items]
        assert frags[0] == "阿莫西临胶囊", frags                    # the commonest first
        item = items[0]
        assert "阿莫西临胶囊 0.25g*24粒 江苏" in item.text             # an example raw string
        first = item.find_element(By.CSS_SELECTOR, "table.cands tbody tr")
        assert "阿莫西林胶囊" in first.text and "产品名称" in first.text
        _fits(driver)

        # suggestions as the pharmacist types initials: drug_lookup fills the field's datalist
        box = item.find_element(By.CSS_SELECTOR, "input[name=standard]")
        box.send_keys("amxljn")
        listed = _wait(lambda: [o.get_attribute("value") for o in
                                item.find_elements(By.CSS_SELECTOR, "datalist option")])
        assert "阿莫西林胶囊" in listed
        box.clear()
        driver.save_screenshot(str(shots / "desk-queue.png"))

        first.find_element(By.CSS_SELECTOR, "button.accept").click()        # accept candidate 1
        flash = _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "p.flash"), 60)[0].text
        assert "阿莫西临胶囊 → 阿莫西林胶囊 (product_name): lexicon version" in flash
        assert "public.rx.drug_norm: about 4 rows" in flash, flash
        assert "阿莫西临胶囊" not in [i.get_attribute("data-fragment")
                                  for i in driver.find_elements(By.CSS_SELECTOR, "section.item")]

        # the same string now parses as an exact synonym
        with psycopg.connect(dsn) as conn:
            doc = conn.execute("SELECT drug_parse(%s)", (RAW[0],)).fetchone()[0]
        seg = next(s for s in doc["segments"] if s["text"] == "阿莫西临胶囊")
        assert (seg["match"], seg["standard"]) == ("exact", "阿莫西林胶囊")
        assert doc["evidence"]["product_name"] == "synonym" and doc["status"] == "exact"

        # ignore noise: it leaves the queue
        noise = next(i for i in driver.find_elements(By.CSS_SELECTOR, "section.item")
                     if i.get_attribute("data-fragment") in ("AR", "江苏"))
        name = noise.get_attribute("data-fragment")
        noise.find_element(By.CSS_SELECTOR, "button.ignore").click()
        _wait(lambda: any("已忽略" in f.text for f in driver.find_elements(By.CSS_SELECTOR, "p.flash.ok")))
        assert name not in [i.get_attribute("data-fragment") for i in driver.find_elements(By.CSS_SELECTOR, "section.item")]

        driver.get(url + "coverage")
        assert "public.rx.drug_norm" in driver.find_element(By.CSS_SELECTOR, "select[name=t]").text
        assert len(driver.find_elements(By.CSS_SELECTOR, "svg.bar")) == 6          # status + five fields
        assert "泽泻颗粒 10g" in driver.find_element(By.CSS_SELECTOR, "table.unres").text
        _fits(driver)
        driver.save_screenshot(str(shots / "desk-coverage.png"))

        driver.get(url + "lookup")
        box = driver.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
        box.send_keys("amxl")
        box.submit()
        _wait(lambda: "阿莫西林" in driver.find_element(By.CSS_SELECTOR, "table.results").text)
        _fits(driver)
        driver.save_screenshot(str(shots / "desk-lookup.png"))
        driver.find_element(By.LINK_TEXT, "阿莫西林胶囊").click()
        _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "dl.entry"))
        assert "阿莫西临胶囊" in driver.find_element(By.CSS_SELECTOR, "ul.chips").text   # the new synonym
        _fits(driver)
        driver.save_screenshot(str(shots / "desk-entry.png"))
    finally:
        driver.quit()

    # Ctrl-C: the desk stops cleanly
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "desk: stopped" in err and "Traceback" not in err, err
