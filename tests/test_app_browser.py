"""The app end to end in Debian's Chromium (Playwright): coverage, a short comparison, the YAML file,
a cancelled and a failed comparison, a search of the HADs to authorise next, uploads, the language.

The app runs as ``occisim app`` runs it (``streamlit_command``) on a free loopback port, in a
temporary folder; one server and one page serve every test, in the order of this file (each test
starts where the previous one left the page). Every request the page makes is logged and none may
leave 127.0.0.1. Screenshots go to tests/artifacts/. One HAD is authorised by a click on its zone
on the map canvas, another with the keyboard fallback (the list under the map). Runs are tiny:
one simulated year, two replications.
"""

from __future__ import annotations

import contextlib
import math
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from sim.app import MAP_VIEW
from sim.app import choices as ch
from sim.cli.app import streamlit_command
from sim.outputs.choice import set_label
from sim.outputs.i18n import number
from sim.territory.catchment import Territory

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is absent (apt-get install chromium; .ci/run does)"
)
START_SECONDS, RUN_SECONDS = 90, 300
GERS = "croix_rouge_gers"
CLICK_ATTEMPTS = 3
INSIDE_GERS_ZONE = (0.3, 43.8)  # lon, lat: west of Auch, inside the Gers HAD's zone only


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def app_process(workdir):
    """The app's server process (its workers are its children) and its address."""
    port = free_port()
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        streamlit_command(port, open_browser=False), cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            assert process.poll() is None, (workdir / "server.log").read_text()
            time.sleep(0.5)
    yield url, process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def server(app_process) -> str:
    return app_process[0]


@pytest.fixture(scope="module")
def session(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server)
        page.wait_for_selector("canvas", timeout=START_SECONDS * 1000)
        settle(page)
        yield page, requests, server
        browser.close()


def settle(page) -> None:
    """Wait until the script run is over (Streamlit's running indicator gone)."""
    page.locator("input[type=number]:visible").first.wait_for(timeout=START_SECONDS * 1000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=stStatusWidget]')", timeout=START_SECONDS * 1000
    )
    time.sleep(1)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"app_{name}.png"), full_page=True)


def fr(value: int) -> str:
    """An integer as the French page writes it (a no-break space between thousands)."""
    return number(value, ",d", "fr")


def test_the_page_opens_on_the_baseline_with_its_coverage(session):
    page, _, _ = session
    page.get_by_text(f"{fr(941_396)} habitants sur {fr(3_376_887)} (27,9").wait_for(timeout=30_000)
    page.get_by_text("003:6166-6168").first.wait_for()  # the beds' source beside their control
    shot(page, "1_baseline")


def screen_point(box: dict, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is drawn on the map canvas (deck.gl's Web Mercator, the page's view state)."""

    def mercator(lon: float, lat: float) -> tuple[float, float]:
        world = 512 * 2 ** MAP_VIEW["zoom"]
        y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2
        return (lon + 180) / 360 * world, y * world

    (x, y), (x0, y0) = mercator(lon, lat), mercator(MAP_VIEW["longitude"], MAP_VIEW["latitude"])
    return box["x"] + box["width"] / 2 + x - x0, box["y"] + box["height"] / 2 + y - y0


def test_a_click_on_the_gers_zone_authorises_it_and_the_coverage_changes_at_once(session):
    page, _, _ = session
    box = page.locator("canvas").first.bounding_box()
    changed = page.get_by_text(f"{fr(765_498)} habitants sur {fr(3_376_887)}")
    time.sleep(5)  # deck.gl takes clicks once its first frames are drawn (software WebGL here)
    for _ in range(CLICK_ATTEMPTS):  # a click lost before the map listens leaves the page idle
        page.mouse.click(*screen_point(box, *INSIDE_GERS_ZONE))
        with contextlib.suppress(PlaywrightTimeout):
            changed.wait_for(timeout=20_000)
            break
        settle(page)
        if changed.is_visible():
            break
    settle(page)  # the click's rerun redraws the page: the text may be gone for a moment
    changed.wait_for(timeout=30_000)
    page.get_by_text(fr(-175_898)).first.wait_for()
    settle(page)
    shot(page, "2_gers_clicked")


def test_the_keyboard_list_authorises_an_had_too(session):
    page, _, _ = session
    both = Territory.load().with_authorisation(authorise=[GERS, "udsma"])
    expected = ch.coverage_total(both, Territory.load())["without"]
    page.get_by_label("HAD autorisées (clavier)").click()
    page.keyboard.type("udsma")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_text(f"{fr(expected)} habitants sur {fr(3_376_887)}").wait_for(timeout=60_000)
    settle(page)


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    settle(page)


def download(page, name: str, folder: Path) -> Path:
    with page.expect_download() as caught:
        page.get_by_role("button", name=name, exact=True).click()
    target = folder / caught.value.suggested_filename
    caught.value.save_as(target)
    return target


def test_a_short_comparison_gives_the_numbers_of_occisim_compare(session, workdir, tmp_path):
    page, _, _ = session
    set_number(page, "Années simulées", "1")
    set_number(page, "Réplications", "2")
    page.get_by_role("button", name="Comparer au scénario de référence").click()
    page.get_by_text("réplications faites").first.wait_for(timeout=30_000)
    shot(page, "3_running")
    page.get_by_role("button", name="comparison.csv").wait_for(timeout=RUN_SECONDS * 1000)
    assert page.get_by_text("Résultats écrits dans").is_visible()
    settle(page)
    page.get_by_role("button", name="comparison.csv").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "app_4_results.png"))  # the page scrolls inside: the view
    files = {
        name: download(page, label, tmp_path)
        for name, label in (
            ("table", "comparison.csv"),
            ("reference", "scenarios/baseline.yaml"),
            ("chosen", "scenarios/baseline_app.yaml"),
            ("report", "report.html"),
        )
    }
    assert "occisim report" in files["report"].read_text(encoding="utf-8")[:5000]
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "compare", str(files["reference"]), str(files["chosen"]),
         "--out", str(tmp_path / "cli")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert files["table"].read_bytes() == (tmp_path / "cli" / "comparison.csv").read_bytes()
    run = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(files["chosen"]), "--replications", "1",
         "--out", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "summary.csv").is_file()


def children(pid: int) -> list[int]:
    """The processes started by ``pid``, and theirs (Linux's /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def test_a_cancelled_comparison_says_so_and_leaves_no_worker(session, app_process):
    page, _, _ = session
    set_number(page, "Réplications", "40")
    page.get_by_role("button", name="Comparer au scénario de référence").click()
    page.get_by_text("réplications faites").first.wait_for(timeout=30_000)
    deadline = time.monotonic() + 60
    while not children(app_process[1].pid) and time.monotonic() < deadline:
        time.sleep(0.2)  # the workers start once both scenarios are bound
    assert children(app_process[1].pid), "no worker process started: nothing to cancel"
    page.get_by_role("button", name="Annuler", exact=True).click()
    page.get_by_text("Comparaison annulée.").wait_for(timeout=60_000)
    settle(page)
    shot(page, "5_cancelled")
    deadline = time.monotonic() + 20
    while children(app_process[1].pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert children(app_process[1].pid) == []
    set_number(page, "Réplications", "2")


def test_a_failed_comparison_shows_its_one_line_reason(session, workdir):
    page, _, _ = session
    results = workdir / "results" / "app"
    results.mkdir(parents=True, exist_ok=True)
    results.rename(workdir / "results" / "app.kept")
    results.write_text("a file where the app's result folders go\n")  # the job's folder cannot be made
    try:
        page.get_by_role("button", name="Comparer au scénario de référence").click()
        alert = page.get_by_text("La comparaison a échoué :")
        alert.wait_for(timeout=60_000)
        assert "results/app" in alert.inner_text()
        settle(page)
        shot(page, "6_failed")
    finally:
        results.unlink()
        (workdir / "results" / "app.kept").rename(results)


SEARCH_AMONG = ("moissac", "font_redonde")  # unauthorised in the baseline, and still after the clicks


def test_a_tiny_search_picks_the_best_set_of_occisim_choose(session, workdir, tmp_path):
    page, _, _ = session
    page.get_by_role("tab", name="Quelles HAD autoriser ensuite ?").click()
    candidates = page.get_by_label("HAD candidates (par défaut : les non autorisées)")
    candidates.click()
    for _ in range(8):  # the tags of the four HADs still unauthorised, removed from the last
        page.keyboard.press("Backspace")
    for had in SEARCH_AMONG:
        page.keyboard.type(had)
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    settle(page)
    for label, value in (
        ("Nouvelles autorisations, au plus", "1"),
        ("Réplications de départ par ensemble", "2"),
        ("Budget : réplications par ensemble, au plus", "2"),
    ):
        set_number(page, label, value)
    page.get_by_role("button", name="Chercher les HAD à autoriser").click()
    page.get_by_text("réplications faites (au plus 6)").wait_for(timeout=30_000)
    shot(page, "7_search_running")
    page.get_by_role("button", name="search.csv").wait_for(timeout=RUN_SECONDS * 1000)
    settle(page)
    shot(page, "8_search_results")
    shown = download(page, "search.csv", tmp_path)
    folder = next((workdir / "results" / "app").glob("*-choose-*"))
    base = next((folder / "scenarios").glob("*.yaml"))
    options = [f"--among={had}" for had in SEARCH_AMONG]
    options += ["--max-new=1", "--first-stage=2", "--max-replications=2", "--delta=5", "--alpha=0.05"]
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "choose", str(base), *options, "--out", str(tmp_path / "cli")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert shown.read_bytes() == (tmp_path / "cli" / "search.csv").read_bytes()
    table = pd.read_csv(tmp_path / "cli" / "search.csv")
    best = table.loc[table["best"].eq(True), "set"].item()
    hads = Territory.load().hads
    label = set_label(best, dict(zip(hads.index, hads["name"])), "fr")
    verdict = (
        page.locator("[data-testid=stAlert]")
        .filter(has_text="Meilleur ensemble")
        .or_(page.locator("[data-testid=stAlert]").filter(has_text="Budget épuisé"))
    )
    assert verdict.inner_text().strip().endswith(label)
    # The same search repeated on 2 draws of the baseline's psa section: the robustness table.
    set_number(page, "Répéter le choix sur des tirages PSA (0 : non)", "2")
    page.get_by_role("button", name="Chercher les HAD à autoriser").click()
    page.get_by_text("Robustesse : le meilleur ensemble sur 2 tirages").wait_for(timeout=RUN_SECONDS * 1000)
    settle(page)
    shot(page, "9_search_robustness")
    latest = max((workdir / "results" / "app").glob("*-choose-*"), key=lambda f: f.stat().st_mtime)
    robust = pd.read_csv(latest / "search" / "robustness.csv")  # what the table shows
    assert robust["probability_best"].sum() == pytest.approx(1.0)
    assert sorted(", ".join(robust["best_under"]).split(", ")) == ["psa draw 1", "psa draw 2"]
    page.get_by_role("tab", name="Comparer un scénario").click()


UPLOADED = b"extends: baseline.yaml\nname: mine\nbeds:\n  capacity: 20  # assumption: two more beds\n"
REFUSED = b"extends: baseline.yaml\nname: mine\nbeds:\n  capacity: -2\nrun:\n  replications: 0\n  colour: x\n"


def upload(page, name: str, data: bytes) -> None:
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(
        {"name": name, "mimeType": "application/x-yaml", "buffer": data}
    )


def test_an_uploaded_file_becomes_the_starting_point(session):
    page, _, _ = session
    upload(page, "mine.yaml", UPLOADED)
    page.get_by_text("mine.yaml (mine)").wait_for(timeout=60_000)
    settle(page)
    expect(page.get_by_label("Lits de l'unité (IUCT-O)", exact=True)).to_have_value("20", timeout=30_000)
    page.get_by_text("assumption: two more beds").wait_for()
    shot(page, "9_uploaded")


def test_a_refused_upload_shows_the_lines_of_occisim_validate(session, tmp_path):
    page, _, _ = session
    upload(page, "bad.yaml", REFUSED)
    alert = page.locator("[data-testid=stAlert]").filter(has_text="Fichier refusé")
    alert.wait_for(timeout=60_000)
    settle(page)
    shot(page, "10_refused")
    (tmp_path / "bad.yaml").write_bytes(REFUSED)
    (tmp_path / "baseline.yaml").write_bytes(ch.shipped_scenarios()["baseline"].read_bytes())
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "bad.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    expected = cli.stderr.strip().splitlines()
    assert cli.returncode == 2 and len(expected) >= 2
    shown = [line.strip() for line in alert.inner_text().splitlines() if line.strip().startswith("error:")]
    assert shown == expected
    page.get_by_text("mine.yaml (mine)").wait_for()  # the starting point stays the last good file


def test_the_language_switch_turns_the_page_to_english(session):
    page, _, _ = session
    page.get_by_text("EN", exact=True).click()
    page.get_by_role("button", name="Compare with the reference scenario").wait_for(timeout=60_000)
    settle(page)
    page.get_by_role("tab", name="Which HADs next?").wait_for()
    page.get_by_text("Beds of the unit (IUCT-O)").wait_for()
    page.get_by_text("of 3,376,887 inhabitants").wait_for()  # English numbers too
    assert not page.get_by_text("Comparer au scénario de référence").is_visible()
    shot(page, "11_english")


def test_no_request_leaves_the_machine(session):
    _, requests, server = session
    assert requests, "the page made no request at all: the log is not working"
    local = (server, server.replace("http", "ws", 1), "data:", "blob:")
    outside = sorted({url for url in requests if not url.startswith(local)})
    assert outside == []
