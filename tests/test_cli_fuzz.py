"""Bad command lines: one line on stderr and exit 2, never a traceback, a hang or a run started.

A list of the command lines a new user gets wrong (unknown options, bad numbers, missing files,
folders given as files, --out at a file, at /proc, at a read-only folder, empty and very long
strings, bad --param text), then a Hypothesis search over a small grammar of command lines, run
in-process with the simulation replaced by a sentinel: a line either is refused (exit 2, every
stderr line "error: ..."), or reaches the simulation (the sentinel), or ends with exit 0 (help).

The CI budget is fixed and derandomised (a few seconds); OCCISIM_FUZZ_EXAMPLES=2000 runs a longer,
random search.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import app

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
LONG = "OCCISIM_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("OCCISIM_FUZZ_EXAMPLES", "60"))
HEAVY = (  # what a command line that passes every check calls first; replaced by the sentinel
    "sim.runs.replications.run_experiment",
    "sim.runs.compare.run_comparison",
    "sim.runs.sensitivity.one_way",
    "sim.runs.sensitivity.psa",
    "sim.runs.calibration.probe_warmup",
    "sim.runs.calibration.calibrate_band",
    "sim.runs.band.run_band_comparison",
    "sim.outputs.report.build_report",
    "sim.territory.catchment.Territory.load",
)


class Reached(Exception):
    """The command line passed every check and would now simulate (or load the territory)."""


def reached(*args, **kwargs):
    raise Reached


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files and folders the command lines point at."""
    root = tmp_path_factory.mktemp("cli_fuzz")
    good = root / "good.yaml"
    good.write_text(
        f"extends: {BASELINE}\nname: good\nrun: {{years: 0.3, warmup_days: 10}}\n", encoding="utf-8"
    )
    heavy = root / "heavy.yaml"  # every value within its bound, their product for ever
    heavy.write_text(
        f"extends: {BASELINE}\nname: heavy\nrun: {{years: 1000}}\n"
        "beds:\n  background: {arrivals_per_day: 100}\n",
        encoding="utf-8",
    )
    bad_key = root / "bad_key.yaml"  # its psa section names no number of the scenario
    bad_key.write_text(
        f"extends: {BASELINE}\nname: bad_key\npsa:\n"
        "  parameters: [{key: beds.nope, distribution: {dist: fixed, value: 3}}]\n",
        encoding="utf-8",
    )
    (root / "junk.csv").write_bytes(b"\xff\xfe not, a\n\x00 csv")
    (root / "a_file").write_text("mine", encoding="utf-8")
    (root / "user_folder").mkdir()
    (root / "user_folder" / "notes.txt").write_text("mine", encoding="utf-8")
    readonly = root / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    return {
        "good": good,
        "heavy": heavy,
        "bad_key": bad_key,
        "missing": root / "missing.yaml",
        "folder": root / "user_folder",
        "file": root / "a_file",
        "junk": root / "junk.csv",
        "readonly": readonly,
        "fresh": root / "fresh" / "out",
        "root": root,
    }


def call(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int | str, str, str]:
    """Run the command line in this process: (exit code, or "reached"), stdout, stderr."""
    try:
        app([str(a) for a in args])
    except SystemExit as exc:
        code: int | str = exc.code if isinstance(exc.code, int) else 1
    except Reached:
        code = "reached"
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused_in_one_line(code: int | str, out: str, err: str) -> None:
    assert code == 2, (code, out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and len(lines[0]) <= 1010, lines[0]
    assert "Traceback" not in out + err


def bad_lines(p: dict[str, Path]) -> list[list[object]]:
    good, long = p["good"], "x" * 20_000
    return [
        ["no-such-command"],
        ["run"],
        ["run", good, "--bogus"],
        ["run", good, "--replications"],
        *(["run", good, "--replications", n] for n in ("1e8", "-3", "abc", "0", "", "10001", "9" * 40)),
        *(["run", good, "--workers", n] for n in ("0", "-1", "1000", "two")),
        *(["run", good, "--seed", n] for n in ("-1", "9223372036854775808", "1.5")),
        ["run", p["heavy"]],
        ["run", BASELINE.with_name("demand_x3.yaml"), "--replications", "10000"],  # 10,000 x 10,400 events
        [  # up to 10,000 replications each of the baseline and demand x3: 184 million events
            *("compare", BASELINE, BASELINE.with_name("demand_x3.yaml")),
            *("--target-precision", "0.01", "--max-replications", "10000", "--out", p["fresh"]),
        ],
        ["calibrate", p["heavy"]],
        ["run", p["missing"]],
        ["run", p["folder"]],
        ["run", "/dev/zero"],
        ["run", ""],
        ["run", long],
        ["run", good, "--out", p["file"]],
        ["run", good, "--out", p["folder"]],
        ["run", good, "--out", "/proc/occisim_out"],
        ["run", good, "--out", "/sys/occisim_out"],
        ["run", good, "--out", ""],
        ["run", good, "--out", long],
        ["run", good, "--out", p["file"] / "below"],
        ["compare", good],
        ["compare", good, good, "--target-precision", "nan"],
        ["compare", good, good, "--target-precision", "2"],
        ["compare", good, good, "--max-replications", "1"],
        ["compare", good, good, "--out", p["folder"]],
        *(
            ["sensitivity", good, "--param", text]
            for text in (
                "x",
                "k=1",
                "k=a:b",
                "k=inf:nan",
                "=1:2",
                "costs.nope=1:2",
                "costs.had_day_eur=-5:1",
                long,
            )
        ),
        ["sensitivity", good, "--param", "costs.had_day_eur=1:2", "--out", p["file"]],
        ["psa", good],
        ["psa", good, good, "--iterations", "1"],
        ["psa", good, good, "--wtp-max", "-1"],
        ["psa", good, good, "--wtp-max", "inf"],
        ["calibrate", good, "--target", "planned_wait_yearly_max_days=nan:28"],
        ["calibrate", good, "--param", "beds.background.arrivals_per_day=0.7:0.4"],
        ["calibrate", good, "--points", "100000"],
        ["run", good, "--band", p["junk"]],
        ["compare", good, good, "--band", p["folder"]],
        ["warmup", good, "--days", "10"],
        ["warmup", good, "--days", "1e9"],
        ["warmup", good, "--window", "0"],
        ["warmup", good, "--window", "800"],
        ["report", p["missing"]],
        ["report", p["file"]],
        ["report", p["folder"]],
        ["territory", "--out", p["file"]],
        ["territory", "--out", p["folder"]],
        ["territory", "--overrides", p["junk"], "--out", p["fresh"]],
        ["territory", "--overrides", p["folder"], "--out", p["fresh"]],
        ["territory", "--authorise", "no_such_had", "--out", p["fresh"]],
        ["validate", p["missing"]],
        ["validate", p["junk"]],
        ["validate", p["bad_key"]],
    ]


def test_bad_command_lines_are_refused_in_one_line(place, capsys):
    before = sorted(place["root"].rglob("*"))
    for args in bad_lines(place):
        start = time.monotonic()
        code, out, err = call(args, capsys)
        assert_refused_in_one_line(code, out, err)
        assert time.monotonic() - start < 30, args
    assert sorted(place["root"].rglob("*")) == before  # nothing written, hidden or left behind


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_out_at_a_read_only_folder_is_refused(place, capsys):
    code, out, err = call(["run", place["good"], "--out", place["readonly"] / "out"], capsys)
    assert_refused_in_one_line(code, out, err)


def test_too_many_replications_are_refused_before_anything_starts(place):
    tracemalloc.start()
    try:
        start = time.monotonic()
        with pytest.raises(SystemExit) as info:
            app(["run", str(place["good"]), "--replications", str(10**8)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.code == 2
    assert time.monotonic() - start < 5 and peak < 50e6


def test_the_installed_command_refuses_in_one_line(place):
    done = subprocess.run(
        [Path(sys.executable).with_name("occisim"), "run", place["good"], "--replications", "1e8"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: Invalid value for '--replications': Input should be a valid integer, unable to parse "
        "string as an integer (see: occisim run --help)"
    ]


# --- a grammar of command lines ---------------------------------------------------------------------------

COMMANDS = {
    "run": ["--replications", "--seed", "--workers", "--out", "--no-overwrite", "--band"],
    "compare": [
        *("--replications", "--seed", "--workers", "--target-precision", "--max-replications", "--out"),
        "--band",
    ],
    "sensitivity": ["--param", "--kpi", "--replications", "--workers", "--out"],
    "psa": ["--iterations", "--replications", "--seed", "--wtp-max", "--workers", "--out"],
    "calibrate": ["--target", "--param", "--points", "--replications", "--seed", "--workers", "--out"],
    "warmup": ["--replications", "--days", "--window", "--workers", "--out"],
    "report": ["--out", "--no-overwrite"],
    "territory": ["--authorise", "--revoke", "--out", "--overrides", "--scenario"],
    "validate": ["--lang"],
}
FLAGS = {"--no-overwrite"}
NUMBERS = [
    "0",
    "1",
    "2",
    "-1",
    "1e8",
    "nan",
    "inf",
    "-inf",
    "0.5",
    "1e-300",
    "9" * 30,
    "0x10",
    "1_000",
    "abc",
    "",
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def _value(place: dict[str, Path]) -> st.SearchStrategy[str]:
    paths = [str(place[k]) for k in ("good", "missing", "folder", "file", "junk", "fresh")]
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.sampled_from(paths),
        st.sampled_from(["costs.had_day_eur=150:350", "k=1:2", "[/x]", "[bold]x", "/proc/x", "x" * 5000]),
        TEXT,
    )


@st.composite
def command_lines(draw: st.DrawFn, place: dict[str, Path]) -> list[str]:
    command = draw(st.sampled_from([*sorted(COMMANDS), "bogus"]))
    files = [str(place[k]) for k in ("good", "missing", "folder", "file", "junk")]
    positional = draw(st.lists(st.one_of(st.sampled_from(files), TEXT), max_size=3))
    args = [command, *positional]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        option = draw(st.sampled_from([*COMMANDS.get(command, []), "--bogus", "--help"]))
        args += [option] if option in FLAGS or option == "--help" else [option, draw(_value(place))]
    return args


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_command_lines_are_refused_clearly_or_reach_the_simulation(data, place, capsys):
    args = data.draw(command_lines(place))
    with pytest.MonkeyPatch.context() as patch:
        for target in HEAVY:
            patch.setattr(target, reached)
        code, out, err = call(args, capsys)
    assert "Traceback" not in out + err
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and all(line.startswith("error: ") for line in lines), (args, err)
    else:
        assert code in (0, "reached"), (args, code, err)
