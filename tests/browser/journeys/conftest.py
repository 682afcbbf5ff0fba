"""Journey tests: a real portal started exactly as ``make run`` starts it, driven in Chromium.

``demo_server`` copies the working tree's files (tracked and not ignored) into a temporary folder
and there runs what ``make run`` runs — ``manage.py migrate``, ``manage.py seed_demo``,
``manage.py rundemo`` — with ``make run``'s environment: ``DJANGO_SETTINGS_MODULE=config.settings.local``
and nothing else of the project's settings (no DATABASE_URL, no broker, no FIELD_ENCRYPTION_KEY),
so the server has SQLite, in-process tasks, the console e-mail backend and the in-process
scheduler, as a new user has. The copy keeps its own database, media and ``var/``. The only
differences from ``make run`` are the port and that ``migrate`` and ``seed_demo`` run once per test
run (shared by the xdist workers), in a template copy that each journey module then copies whole (database, ``var/`` and
media included) before it starts ``rundemo`` in its own copy: the same state ``make run`` would
reach, without migrating and seeding nine times. E-mails are read from the server's console output, as a
person running ``make run`` reads them.

These tests are marked ``journey``; CI runs them once (in the SQLite pass).
"""

from __future__ import annotations

import email
import email.policy
import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DEMO_PASSWORD = "portal-demo-2026"
SEPARATOR = "-" * 79
_MAIL_START = re.compile(r"^(Content-Type|MIME-Version|Subject|From|To): ", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _copy_tree(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        rel = raw.decode()
        source = REPO / rel
        if not source.is_file():  # deleted in the working tree
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)


def make_run_env() -> dict[str, str]:
    """``make run``'s environment: the user's shell basics plus what the Makefile exports."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    return env


def _decode_mail(chunk: str) -> dict | None:
    match = _MAIL_START.search(chunk)
    if not match:
        return None
    raw = chunk[match.start() :].lstrip().encode("utf-8")  # the console backend wrote 8-bit UTF-8
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not message["Subject"] and not message["To"]:
        return None
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = body_part.get_content() if body_part is not None else ""
    return {
        "to": str(message["To"] or ""),
        "subject": str(message["Subject"] or ""),
        "body": body,
        "message": message,
    }


class DemoServer:
    def __init__(self, root: Path):
        self.dir = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = make_run_env()
        self.stdout_path = root / "server.stdout.log"
        self.stderr_path = root / "server.stderr.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> None:
        """What ``make run`` does before it serves: ``make migrate`` and ``make seed``."""
        self.manage("migrate", "--noinput", timeout=600)  # a loaded 2-core machine is slow here
        self.manage("seed_demo", timeout=600)

    def start(self) -> None:
        """``manage.py rundemo`` on a prepared copy; returns once the login page answers."""
        self.process = subprocess.Popen(
            [sys.executable, "-u", "manage.py", "rundemo", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=self.dir,
            env=self.env,
            stdout=self.stdout_path.open("w"),
            stderr=self.stderr_path.open("w"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the demo server stopped:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"the demo server did not answer within 60 s:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        out = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        err = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
        return out + "\n" + err

    def emails(self) -> list[dict]:
        """Every e-mail the console backend printed so far, oldest first."""
        text = self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""
        mails = []
        for chunk in text.split(SEPARATOR):
            decoded = _decode_mail(chunk)
            if decoded:
                mails.append(decoded)
        return mails

    def wait_for_email(self, to: str | None = None, subject_contains: str | None = None, timeout: float = 20):
        """The newest e-mail to ``to`` (substring) whose subject contains ``subject_contains``."""
        deadline = time.monotonic() + timeout
        while True:
            for mail in reversed(self.emails()):
                if to and to.lower() not in mail["to"].lower():
                    continue
                if subject_contains and subject_contains not in mail["subject"]:
                    continue
                return mail
            if time.monotonic() > deadline:
                seen = [(m["to"], m["subject"]) for m in self.emails()]
                raise AssertionError(f"no e-mail to={to!r} subject~{subject_contains!r}; seen: {seen}")
            time.sleep(0.3)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, worker_id) -> Path:
    """The working tree copied and prepared as ``make run`` prepares it (migrated and seeded), once
    per test run: the xdist workers share one template (the first to come prepares it under a lock,
    the others wait for it), so the two cores do not both migrate and seed."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base
    root = shared / "make-run-template"
    with (shared / "make-run-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".prepared").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            _copy_tree(root)
            DemoServer(root).prepare()
            (root / ".prepared").touch()
    return root


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, browser, demo_template):
    root = tmp_path_factory.mktemp("make-run")
    shutil.copytree(demo_template, root, dirs_exist_ok=True)
    server = DemoServer(root)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def journey_page(browser, demo_server):
    """``journey_page(username=None, *, locale="zh-CN", width=1366)``: a page on the demo server,
    logged in through the login form as that demo user when a username is given."""
    contexts = []

    def make(username: str | None = None, *, locale: str = "zh-CN", width: int = 1366, height: int = 900):
        context = browser.new_context(
            base_url=demo_server.url, viewport={"width": width, "height": height}, locale=locale
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if username is not None:
            login(page, username)
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form (from wherever the page is, via /login/ as a person would
    when they type the portal's address)."""
    if "/login/" not in page.url:
        page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    if "/mfa/verify/" in page.url:  # finance, approvers, staff: the demo authenticator's code
        page.locator("#id_code").fill(_fresh_demo_code(page, username))
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(lambda url: "/mfa/" not in url)


_USED_STEPS: dict[tuple[str, str], int] = {}


def _fresh_demo_code(page, username: str) -> str:
    """The demo authenticator's code (core.demo_mfa, enrolled by seed_demo). A code is accepted
    once per user, and the server also accepts the next 30-second step's code (django-otp's
    tolerance of one step, for clocks that drift), as an authenticator app a few seconds ahead
    would show it. A second login of the same user within the same 30 s therefore types the next
    step's code; only a third one waits for the clock."""
    from core.demo_mfa import demo_totp_code

    key = (page.url.split("/mfa/")[0], username)
    while True:
        now = time.time()
        for ahead in (0, 30):
            code, step = demo_totp_code(now + ahead)
            if step > _USED_STEPS.get(key, -1):
                _USED_STEPS[key] = step
                return code
        time.sleep(1)


@pytest.fixture
def shot():
    """``shot(page, name)`` saves artifacts/screenshots/journey-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"journey-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
