#!/usr/bin/env python3
"""The console end to end in a real browser: Debian's chromium driven by
chromedriver through python3-selenium, headless (no display), against a
real `collector serve` on a loopback port that this test starts, and a real
headless kiosk. An HR officer sets a password from the setup link, logs in,
uploads a broken survey and sees the message beside the line, uploads the
good one, previews and publishes it, adds a kiosk and pairs it with the
code the console shows, sees it healthy, closes collection, downloads the
reports, finds every step in the audit log and logs out. Every page is
saved as a PNG at 1366x768 (full height) in the output folder.

Run by ctest (tests/CMakeLists.txt): console_browser.py COLLECTOR KIOSK
SOURCE_DIR OUTPUT_DIR. Fonts: the project's own BIZ UD Gothic, given to
Chromium through a fontconfig file of the test's own, so that nothing is
installed in the user's home."""

import copy
import datetime
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

COLLECTOR, KIOSK, SOURCE, OUTPUT = sys.argv[1:5]
PASSWORD = "人事課の合言葉 2026 春"
WAIT_S = 30  # a bound on every wait for a child process, never a measurement


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collector(*args):
    out = subprocess.run([COLLECTOR, *args], capture_output=True, text=True, timeout=WAIT_S)
    return out.returncode, out.stdout.strip(), out.stderr.strip()


def start_collector(db, port, log):
    proc = subprocess.Popen(
        [COLLECTOR, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
         "--public-url", f"http://127.0.0.1:{port}", "--min-group-size", "5"],
        stderr=open(log, "w"))
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if "listening on" in open(log).read():
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("the collector did not start:\n" + open(log).read())


def fontconfig(work):
    conf = os.path.join(work, "fonts.conf")
    with open(conf, "w") as f:
        f.write(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{SOURCE}/fonts</dir><cachedir>{work}/fontcache</cachedir>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include></fontconfig>""")
    return conf


def browser(work):
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
              "--lang=ja", "--disable-dev-shm-usage", f"--user-data-dir={work}/chrome"):
        opts.add_argument(a)
    os.environ["FONTCONFIG_FILE"] = fontconfig(work)
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=opts)


class Console:
    def __init__(self, driver, base, shots):
        self.d, self.base, self.shots, self.n = driver, base, shots, 0

    def go(self, path):
        self.d.get(self.base + path)

    def shot(self, name):
        """Saves the whole page (1366 wide, as tall as it is) as NN-name.png."""
        self.n += 1
        height = self.d.execute_script("return document.documentElement.scrollHeight")
        self.d.set_window_size(1366, max(768, min(height + 140, 6000)))
        path = os.path.join(self.shots, f"{self.n:02d}-{name}.png")
        self.d.save_screenshot(path)
        self.d.set_window_size(1366, 768)
        return path

    def text(self):
        try:
            return self.d.find_element(By.TAG_NAME, "body").text
        except Exception:  # between two pages
            return ""

    def find(self, element_id):
        """The element with that id; polls while a navigation ends (bounded)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            found = self.d.find_elements(By.ID, element_id)
            if found or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        if not found:
            self.shot("failed")
            sys.exit(f"no element #{element_id} on {self.d.current_url}:\n{self.text()[:2000]}")
        return found[0]

    def fill(self, field_id, value):
        el = self.find(field_id)
        el.clear()
        el.send_keys(value)

    def submit(self, form_css="main form.box button[type=submit]"):
        self.d.find_element(By.CSS_SELECTOR, form_css).click()

    def expect(self, *words):
        """The page holds every word; polls while a navigation ends (bounded)."""
        deadline = time.monotonic() + WAIT_S
        body = self.text()
        while any(w not in body for w in words) and time.monotonic() < deadline:
            time.sleep(0.1)
            body = self.text()
        for w in words:
            if w not in body:
                self.shot("failed")
                sys.exit(f"expected {w!r} on {self.d.current_url}, the page says:\n{body[:2000]}")

    def get(self, path):
        """GET with the browser's session cookie, outside the browser (downloads)."""
        cookie = self.d.get_cookie("console_session")["value"]
        req = urllib.request.Request(self.base + path,
                                     headers={"Cookie": f"console_session={cookie}"})
        with urllib.request.urlopen(req, timeout=WAIT_S) as r:
            return r.status, r.headers.get("Content-Type"), r.read()


def surveys(work):
    good = json.load(open(os.path.join(SOURCE, "shared/surveys/goshogawara-staff.json")))
    good.pop("period", None)  # open now, whatever today is
    broken = copy.deepcopy(good)
    broken["questions"][6]["kpi"]["baseline"] = 4.5
    paths = {}
    for name, doc in (("good", good), ("broken", broken)):
        paths[name] = os.path.join(work, f"survey-{name}.json")
        with open(paths[name], "w") as f:
            json.dump(doc, f, ensure_ascii=False, indent=2)
    return paths


def pair_kiosk(c, base, work, code):
    """What the kiosk's keypad entry does: exchange the code for a token."""
    req = urllib.request.Request(base + "/api/v1/pair", data=json.dumps({"code": code}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=WAIT_S) as r:
        token = json.load(r)["token"]
    conf = os.path.join(work, "kiosk.conf")
    with open(conf, "w") as f:
        f.write(f"collector_url = {base}\ntoken = {token}\ndb = {work}/kiosk.db\n"
                f"fonts_dir = {SOURCE}/fonts\nmin_batch = 1\nsync_interval_s = 1\n"
                f"heartbeat_interval_s = 1\n")
    os.chmod(conf, 0o600)
    out = subprocess.run([KIOSK, "--config", conf, "--headless", "--simulate", "12", "--seed", "3",
                          "--drain", "60"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy"))
    if out.returncode != 0:
        sys.exit(f"the kiosk failed ({out.returncode}):\n{out.stderr[-2000:]}")


def main():
    work = tempfile.mkdtemp(prefix="console-browser-", dir=OUTPUT)
    shots = os.path.join(OUTPUT, "console-screens")
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(shots)
    db, port = os.path.join(work, "collector.db"), free_port()
    base = f"http://127.0.0.1:{port}"
    rc, link, err = collector("user", "add", "人事課 山田", "--role", "admin", "--db", db,
                              "--public-url", base)
    assert rc == 0 and link.startswith(base + "/console/setup?token="), (rc, link, err)
    proc = start_collector(db, port, os.path.join(work, "collector.log"))
    files = surveys(work)
    d = browser(work)
    c = Console(d, base, shots)
    try:
        # The setup link, the login.
        d.get(link)
        c.expect("パスワードの設定", "人事課 山田")
        c.shot("setup")
        c.fill("password", PASSWORD)
        c.fill("password2", PASSWORD)
        c.submit()
        c.expect("パスワードを設定しました")
        c.shot("login")
        c.fill("name", "人事課 山田")
        c.fill("password", "wrong password")
        c.submit()
        c.expect("利用者名またはパスワードが違います")
        c.shot("login-failed")
        c.fill("password", PASSWORD)
        c.submit()
        c.expect("ホーム", "公開中の調査票はありません")
        c.shot("home-empty")

        # A broken survey: the message beside the line it names.
        c.go("/console/surveys")
        c.d.find_element(By.ID, "survey-file").send_keys(files["broken"])
        c.submit()
        c.expect("調査票に不備があります", "q07", "4.5")
        bad = d.find_element(By.CSS_SELECTOR, "pre .bad").text
        assert '"baseline": 4.5' in bad and "q07" in bad and "←" in bad, bad
        # The line the loader names is the one that holds the bad baseline.
        with open(files["broken"]) as f:
            line = next(i for i, text in enumerate(f, 1) if '"baseline": 4.5' in text)
        c.expect(f"調査票の {line} 行目")
        c.shot("survey-broken")

        # The good one: preview, publish.
        c.d.find_element(By.ID, "survey-file").send_keys(files["good"])
        c.submit()
        c.expect("問題は見つかりませんでした", "回答端末での見え方", "設問 12 / 12", "そう思う")
        c.shot("survey-preview")
        # The period, set before publishing: a week back to a month on (UTC dates).
        today = datetime.datetime.now(datetime.timezone.utc).date()
        start, end = today - datetime.timedelta(days=7), today + datetime.timedelta(days=30)
        d.execute_script("document.getElementById('period-from').value = arguments[0];"
                         "document.getElementById('period-to').value = arguments[1];",
                         start.isoformat(), end.isoformat())
        c.submit()
        c.expect("第1版を公開しました", "回収中", f"令和{start.year - 2018}年{start.month}月{start.day}日〜")
        c.shot("surveys")

        # A kiosk: its pairing code, a real headless kiosk paired with it.
        c.go("/console/kiosks")
        c.fill("kiosk-name", "本庁舎2階休憩室")
        c.submit()
        code = c.find("pairing-code").text.replace(" ", "")
        assert len(code) == 8 and code.isdigit(), code
        c.shot("kiosk-code")
        pair_kiosk(c, base, work, code)
        c.go("/console/kiosks")
        c.expect("本庁舎2階休憩室", "正常", "goshogawara-staff 第1版")
        c.shot("kiosks")

        # Close collection: the fiscal year is released.
        c.go("/console/surveys")
        d.find_element(By.CSS_SELECTOR, "td form button").click()
        c.expect("回収を終了し", "終了（令和")
        c.shot("survey-closed")
        c.go("/console/reports")
        c.expect("公開済み 第1版", "回答者 ")
        shown = int(re.search(r"回答者 (\d+)人", c.text()).group(1))
        with sqlite3.connect(db) as h:
            released = h.execute("SELECT count(*) FROM released_responses").fetchone()[0]
        assert shown == released and released >= 5, (shown, released)
        c.shot("reports")
        links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "td a")]
        html = [h for h in links if ".html" in h][0].replace(base, "")
        csv = [h for h in links if ".csv" in h and "cp932" not in h][0].replace(base, "")
        status, ctype, body = c.get(csv)
        assert status == 200 and ctype.startswith("text/csv") and body.startswith(b"\xef\xbb\xbf")
        c.go(html)
        c.expect("令和")
        c.shot("report-html")
        # A breakdown by the survey's attribute (任用形態), from the reports page.
        c.go("/console/reports")
        d.find_element(By.CSS_SELECTOR, "td form[method=get] button").click()
        c.expect("令和")
        assert "group_by=employment" in d.current_url, d.current_url
        c.shot("report-breakdown")

        # Users, and the audit log with every step.
        c.go("/console/users")
        c.fill("name", "人事課 佐藤")
        c.submit()
        c.expect("利用者を追加しました", "/console/setup?token=")
        viewer_link = d.find_element(By.ID, "setup-link").text
        c.shot("users")
        c.go("/console/audit")
        c.expect("書き換えは見つかりませんでした", "ログイン", "ログイン失敗", "パスワード設定",
                 "調査票の不備", "調査票の公開", "回答端末の追加", "回答端末の登録完了",
                 "回収の終了", "報告書のダウンロード", "利用者の追加", "group_by")
        c.shot("audit")
        status, ctype, body = c.get("/console/audit.csv")
        assert status == 200 and "survey_publish" in body.decode("utf-8-sig")

        # Log out.
        c.go("/console/")
        d.find_element(By.CSS_SELECTOR, "header form button").click()
        c.expect("ログアウトしました")
        c.shot("logged-out")
        c.go("/console/users")
        c.expect("ログイン")
        assert "/console/login" in d.current_url

        # The viewer: no admin pages in the menu, 403 on one by its address.
        d.get(viewer_link)
        c.fill("password", PASSWORD)
        c.fill("password2", PASSWORD + "x")
        c.submit()
        c.expect("二つのパスワードが一致しません")
        c.shot("setup-mismatch")
        c.fill("password", PASSWORD)
        c.fill("password2", PASSWORD)
        c.submit()
        c.fill("name", "人事課 佐藤")
        c.fill("password", PASSWORD)
        c.submit()
        c.expect("閲覧者", "ホーム", "報告書", "回答端末")
        assert "操作記録" not in c.text()
        c.shot("viewer-home")
        c.go("/console/audit")
        c.expect("この操作には管理者の権限が必要です")
        c.shot("viewer-forbidden")
    finally:
        d.quit()
        proc.terminate()
        proc.wait(timeout=WAIT_S)
    rc, out, err = collector("audit", "verify", "--db", db)
    assert rc == 0, err
    print(f"ok: {c.n} screenshots in {shots}; {out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
