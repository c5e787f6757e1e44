"""A small client for headless Chromium's DevTools protocol, for testing the web pages.

Chromium comes from the system (Debian's ``chromium``); nothing is downloaded.
One browser per test module; each page is opened in a fresh tab at a given width.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import websocket

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def chromium_or_skip() -> str:
    """The Chromium on PATH; skip only when absent and CI did not promise one."""
    exe = next((shutil.which(c) for c in CANDIDATES if shutil.which(c)), None)
    if exe:
        return exe
    if os.environ.get("LOGREG_REQUIRE_BROWSER"):
        pytest.fail("LOGREG_REQUIRE_BROWSER is set but no chromium is on PATH")
    pytest.skip("no Chromium on PATH (CI sets LOGREG_REQUIRE_BROWSER and installs one)")


class Browser:
    """Headless Chromium driven over its DevTools websocket."""

    def __init__(self, exe: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="logreg-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            url = found.group(1) if found else None
        if url is None:
            raise RuntimeError("chromium did not report its DevTools address in 60 s")
        self.ws = websocket.create_connection(url, timeout=60)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, session: str | None = None, **params: Any) -> dict:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {method} in {timeout} s")

    def open(self, path: Path, width: int, height: int = 900) -> Page:
        """A new tab showing ``path`` (from disk) at ``width`` CSS pixels, loaded."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session)
        self.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)
        self.send("Page.navigate", session, url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired", session)
        return Page(self, session, target)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One loaded tab: evaluate JavaScript, read its errors, take a screenshot."""

    def __init__(self, browser: Browser, session: str, target: str) -> None:
        self.browser, self.session, self.target = browser, session, target

    def js(self, expression: str) -> Any:
        res = self.browser.send("Runtime.evaluate", self.session, expression=expression,
                                returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed requests so far."""
        out = []
        for e in self.browser.events:
            if e.get("sessionId") != self.session:
                continue
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.append(f"console: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.append(f"log: {params['entry'].get('text')} {params['entry'].get('url')}")
            elif method == "Network.loadingFailed":
                out.append(f"request failed: {params.get('errorText')}")
        return out

    def screenshot(self) -> bytes:
        data = self.browser.send("Page.captureScreenshot", self.session, format="png")["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        self.browser.send("Target.closeTarget", targetId=self.target)
