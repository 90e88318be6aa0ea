#!/usr/bin/env python3
"""3-D Secure over HTTP in a real browser (docs/three_ds.md, docs/http_server.md).

Starts examples/http_server and chromedriver on free loopback ports, a tiny
"merchant" serving the return_url, and drives headless Chromium through
create -> redirect -> challenge page -> Complete / Fail -> return_url: the
outcome is checked over the API and the authorizations in /metrics. Flows:
Complete (then a reload of the return page and the back button), Fail, and a
double click on Complete (two posts while the simulated network takes 250 ms). Saves a screenshot of the challenge page as
three_ds_challenge.png in the output directory.

usage: three_ds_browser_test.py HTTP_SERVER OUT_DIR
Exits 0 on success, 1 on a failed check or without chromium (never skipped).
Standard library only: WebDriver is plain HTTP and JSON.
"""
import base64
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

API_KEY = "sk_test_acme"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)
    print("ok:", what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, headers=None, timeout=15):
    data = None if body is None else body.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def answers(url):
    try:
        return call("GET", url, timeout=2)[0] == 200
    except OSError:  # not listening yet
        return False


def wait_until(what, predicate, limit=10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise CheckFailed("timed out waiting for " + what)


class WebDriver:
    """The few W3C WebDriver commands the test needs."""

    def __init__(self, port, profile):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": shutil.which("chromium"),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--no-first-run",
                         "--window-size=800,600", f"--user-data-dir={profile}"]}}}}
        self.session = self._do("POST", "/session", caps)["sessionId"]

    def _do(self, method, path, payload=None):
        status, text = call(method, self.base + path,
                            None if payload is None else json.dumps(payload),
                            {"Content-Type": "application/json"}, timeout=30)
        value = json.loads(text)["value"] if text else None
        if status != 200:
            raise CheckFailed(f"webdriver {method} {path}: {status} {value}")
        return value

    def cmd(self, method, path, payload=None):
        return self._do(method, f"/session/{self.session}{path}", payload)

    def go(self, url): self.cmd("POST", "/url", {"url": url})
    def url(self): return self.cmd("GET", "/url")
    def source(self): return self.cmd("GET", "/source")
    def refresh(self): self.cmd("POST", "/refresh", {})
    def back(self): self.cmd("POST", "/back", {})

    def find(self, css):
        return self.cmd("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, css):
        self.cmd("POST", f"/element/{self.find(css)}/click", {})

    # Two clicks 80 ms apart, as a hand does: the second while the first
    # post waits on the (simulated) network.
    def double_click(self, css):
        element = {ELEMENT: self.find(css)}
        press = [{"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]
        self.cmd("POST", "/actions", {"actions": [{
            "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
            "actions": [{"type": "pointerMove", "origin": element, "x": 0, "y": 0}] + press
            + [{"type": "pause", "duration": 80}] + press}]})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))

    def quit(self):
        self._do("DELETE", f"/session/{self.session}")


class Merchant(http.server.BaseHTTPRequestHandler):
    """The shop behind the return_url: a page that shows nothing of note."""

    def do_GET(self):
        body = b"<!doctype html><title>Shop</title><p id=shop>Back at the shop</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Api:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.auth = {"Authorization": "Bearer " + API_KEY}

    def charge(self, key, return_url):
        form = urllib.parse.urlencode({
            "amount": "12900", "currency": "eur", "confirm": "true",
            "payment_method": "pm_card_threeDSecureRequired",
            "description": "Order 7731 <shoes>", "return_url": return_url})
        status, text = call("POST", self.base + "/v1/payment_intents", form, {
            **self.auth, "Idempotency-Key": key,
            "Content-Type": "application/x-www-form-urlencoded"})
        intent = json.loads(text)
        check(status == 200 and intent["status"] == "requires_action",
              f"{key}: the charge answers requires_action")
        return intent

    def intent(self, id):
        return json.loads(call("GET", f"{self.base}/v1/payment_intents/{id}", None, self.auth)[1])

    def metric(self, name):
        for line in call("GET", self.base + "/metrics")[1].splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return 0.0


def landed(driver, return_base):
    url = driver.url()
    return url if url.startswith(return_base) else None


def back_page(source):
    if "already answered" in source:
        return "answered"
    return "challenge" if 'id="complete"' in source else None


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def open_challenge(driver, api, key, return_url):
    """Charges a challenged card and opens next_action's page; the intent."""
    intent = api.charge(key, return_url)
    driver.go(intent["next_action"]["redirect_to_url"]["url"])
    wait_until("the challenge page", lambda: 'id="complete"' in driver.source())
    return intent


def run(driver, api, return_base, out_dir):
    # 1. Complete, then a reload of the return page and the back button.
    before = api.metric("payintent_authorizations_total")
    intent = open_challenge(driver, api, "browser-complete", return_base + "?order=7731")
    redirect = intent["next_action"]["redirect_to_url"]
    check(redirect["return_url"] == return_base + "?order=7731", "next_action carries return_url")
    source = driver.source()
    check("129.00 EUR" in source and "acme" in source, "the page shows amount and merchant")
    check("&lt;shoes&gt;" in source, "the page escapes the description")
    shot = os.path.join(out_dir, "three_ds_challenge.png")
    driver.screenshot(shot)
    check(os.path.getsize(shot) > 1000, "screenshot saved to " + shot)
    driver.click("#complete")
    url = wait_until("the return_url", lambda: landed(driver, return_base))
    q = query_of(url)
    check(q.get("payment_intent") == intent["id"] and q.get("redirect_status") == "succeeded"
          and q.get("order") == "7731", "Complete lands on return_url, redirect_status=succeeded")
    check(api.intent(intent["id"])["status"] == "succeeded", "the intent succeeded")
    check(api.metric("payintent_authorizations_total") == before + 1, "one authorization")
    driver.refresh()
    wait_until("the reloaded return page", lambda: "Back at the shop" in driver.source())
    # Back: Chromium shows the challenge page as it was (from its
    # back/forward cache) or asks again (the "already answered" page).
    driver.back()
    shown = wait_until("the page before the return page", lambda: back_page(driver.source()))
    print("info: the back button showed the", shown, "page")
    if shown == "challenge":
        driver.click("#complete")
        url = wait_until("the return_url again", lambda: landed(driver, return_base))
        check(query_of(url).get("redirect_status") == "succeeded",
              "Complete again after back lands on return_url, succeeded")
    check(api.intent(intent["id"])["status"] == "succeeded"
          and api.metric("payintent_authorizations_total") == before + 1,
          "reload and back button: still one authorization")

    # 2. Fail: the intent fails with the 3-D Secure decline, nothing authorized.
    before = api.metric("payintent_authorizations_total")
    intent = open_challenge(driver, api, "browser-fail", return_base)
    driver.click("#fail")
    url = wait_until("the return_url", lambda: landed(driver, return_base))
    check(query_of(url).get("redirect_status") == "failed", "Fail lands with redirect_status=failed")
    failed = api.intent(intent["id"])
    check(failed["status"] == "requires_payment_method"
          and failed["last_payment_error"]["code"] == "authentication_failed",
          "the intent failed: authentication_failed")
    check(api.metric("payintent_authorizations_total") == before, "no authorization")

    # 3. A double click on Complete: two posts, one authentication.
    before = api.metric("payintent_authorizations_total")
    redirects = api.metric('payintent_http_requests_total{code="303"}')
    intent = open_challenge(driver, api, "browser-double", return_base)
    driver.double_click("#complete")
    url = wait_until("the return_url", lambda: landed(driver, return_base))
    status = query_of(url).get("redirect_status")
    check(status == "succeeded", f"double click lands with redirect_status={status}")
    posts = api.metric('payintent_http_requests_total{code="303"}') - redirects
    check(posts >= 2, f"the double click reached the server as {posts:.0f} posts")
    check(api.intent(intent["id"])["status"] == "succeeded", "the intent succeeded")
    check(api.metric("payintent_authorizations_total") == before + 1, "one authorization")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    server_bin, out_dir = sys.argv[1], sys.argv[2]
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("FAILED: chromium and chromium-driver are not installed "
              "(scripts/test installs them: apt-get install chromium chromium-driver)")
        return 1
    started = time.monotonic()
    children = []
    merchant = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Merchant)
    threading.Thread(target=merchant.serve_forever, daemon=True).start()
    return_base = f"http://127.0.0.1:{merchant.server_address[1]}/return"
    profile = tempfile.mkdtemp(prefix="payintent_chromium_")
    driver = None
    try:
        server = subprocess.Popen(
            [server_bin, "--port", "0", "--store", "memory", "--api-key", API_KEY + "=acme",
             "--network-latency-ms", "250-250", "--wait-budget-ms", "5000"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        children.append(server)
        line = server.stdout.readline()
        check(line.startswith("listening on 127.0.0.1:"), "http_server started")
        api = Api(int(line.rsplit(":", 1)[1]))
        driver_port = free_port()
        chromedriver = subprocess.Popen(
            ["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        children.append(chromedriver)
        wait_until("chromedriver", lambda: answers(f"http://127.0.0.1:{driver_port}/status")
                   or chromedriver.poll() is not None)
        driver = WebDriver(driver_port, profile)
        run(driver, api, return_base, out_dir)
        print(f"passed in {time.monotonic() - started:.1f} s")
        return 0
    except (CheckFailed, OSError, ValueError, KeyError) as e:
        print("FAILED:", e)
        return 1
    finally:
        if driver:
            try:
                driver.quit()
            except Exception:  # the session may already be gone; the kill below ends it
                pass
        for child in reversed(children):  # each in its own session: its group is ours
            try:
                os.killpg(child.pid, signal.SIGTERM)
                child.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()
        merchant.shutdown()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
