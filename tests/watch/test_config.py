"""The watch configuration (vigil.watch.config): the documented example is the defaults,
every key of it is read into the rules' dataclasses, and a mistake in the file is one
line naming the file and the key, with exit code 2."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import vigil
from vigil.watch import config

EXAMPLE = Path(config.__file__).with_name("example.toml")


def keys(doc: dict, prefix: str = "") -> set[str]:
    """Every dotted key of a TOML document (tables opened)."""
    out = set()
    for k, v in doc.items():
        name = f"{prefix}{k}"
        out |= keys(v, name + ".") if isinstance(v, dict) else {name}
    return out


def commented_keys(text: str) -> set[str]:
    """Keys the example shows as comments (``# max_age_days = 30``: no TOML value for unset)."""
    out, section = set(), ""
    for line in text.splitlines():
        if m := re.match(r"^\[([\w.]+)\]", line):
            section = m.group(1)
        elif m := re.match(r"^# (\w+) = \S", line):
            out.add(f"{section}.{m.group(1)}")
    return out


def fields(value: object, prefix: str = "") -> set[str]:
    """Every leaf field of a configuration's sections, as dotted TOML keys."""
    out = set()
    for f in dataclasses.fields(value):  # type: ignore[arg-type]
        v = getattr(value, f.name)
        if dataclasses.is_dataclass(v):
            out |= fields(v, f"{prefix}{f.name}.")
        else:
            out.add(f"{prefix}{f.name}")
    return out


def all_keys(conf: config.Config) -> set[str]:
    out = set()
    for section, value in conf.sections():
        out |= fields(value, section + ".")
    return out


def test_the_example_is_the_defaults_and_names_every_key(registry: Any) -> None:
    defaults = config.defaults()
    assert config.load(EXAMPLE) == defaults
    text = EXAMPLE.read_text(encoding="utf-8")
    written = keys(tomllib.loads(text)) | commented_keys(text)
    assert written == all_keys(defaults)


def test_no_file_is_the_defaults_and_a_file_overrides_only_its_keys(
    registry: Any, tmp_path: Path
) -> None:
    assert config.load(None) == config.defaults()
    path = tmp_path / "w.toml"
    path.write_text(
        "[watch]\nlookback_days = 7\n[rules.week_gain]\nthreshold_km2 = 80\n"
        '[rules.hearing_soon]\nenabled = false\n[publish.email]\nto = ["a@example.org"]\n'
    )
    conf = config.load(path)
    assert conf.watch.lookback_days == 7
    assert conf.territory.week_gain.threshold_km2 == 80.0  # an integer is a number
    assert isinstance(conf.territory.week_gain.threshold_km2, float)
    assert conf.cases.hearing_soon.enabled is False
    assert conf.publish.email.to == ("a@example.org",)
    base = config.defaults()
    assert conf.territory.month_gain == base.territory.month_gain
    assert conf.cases.release == base.cases.release


def test_dumps_reads_back_to_the_same_configuration(registry: Any, tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        '[watch]\nsource = "other"\nfirst_day = 2025-01-02\n'
        '[rules.record]\nperiods = ["week"]\nmetric = "net"\nmax_rank = 3\n'
        '[rules.release]\nmax_age_days = 30\n[publish.site]\npaths = ["/", "/a/"]\n'
    )
    conf = config.load(path)
    again = tmp_path / "again.toml"
    again.write_text(config.dumps(conf))
    assert config.load(again) == conf
    assert conf != config.defaults()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[rules.week_gain]\nthreshold_km2 = 'a lot'\n",
            r"\[rules.week_gain\] threshold_km2: expected a number",
        ),
        (
            "[rules.week_gain]\nthresold_km2 = 60\n",
            r"unknown key \[rules.week_gain\] thresold_km2 .*threshold_km2",
        ),
        ("[rules.weekly]\nenabled = true\n", r"unknown rule \[rules.weekly\]"),
        ("[alerts]\nx = 1\n", r"unknown section \[alerts\]"),
        ("[watch]\nlookback_days = 'two weeks'\n", r"\[watch\] lookback_days: expected an integer"),
        ("[watch]\nlookback_days = 0\n", r"lookback_days: expected 1 or more"),
        ("[watch]\nfirst_day = 'soon'\n", r"first_day: expected a date"),
        ("[rules.record]\nperiods = [1]\n", r"periods: expected a list of strings"),
        ("[rules.record]\nmetric = 'area'\n", r"\[rules.record\] metric: expected gained"),
        ("[rules.stale]\nenabled = 'yes'\n", r"enabled: expected true or false"),
        ("[watch\nsource = 1\n", r"not valid TOML"),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_key_exit_2(
    registry: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "watch.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError, match=expected) as caught:
        config.load(path)
    assert str(path) in str(caught.value)
    # as a user meets it: one line on stderr, exit code 2, for a run and for `rules`
    for args in (["watch", "--config", path], ["watch", "rules", "--config", path]):
        result = vigil(capsys, *args)
        assert result.code == 2, result
        assert result.err.count("\n") == 1 and result.err.startswith("Error: ")
        assert re.search(expected, result.err) and str(path) in result.err


def test_a_missing_file_is_exit_2(
    registry: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = vigil(capsys, "watch", "rules", "--config", tmp_path / "nope.toml")
    assert result.code == 2 and "no such configuration file" in result.err


def test_rules_prints_the_effective_configuration_as_toml(
    registry: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[rules.week_gain]\nthreshold_km2 = 75.5\n")
    result = vigil(capsys, "watch", "rules", "--config", path)
    assert result.code == 0, result.err
    printed = tomllib.loads(result.out)
    assert printed["rules"]["week_gain"]["threshold_km2"] == 75.5
    assert (
        printed["rules"]["month_gain"]["threshold_km2"]
        == config.defaults().territory.month_gain.threshold_km2
    )
    shown = tmp_path / "shown.toml"
    shown.write_text(result.out)
    assert config.load(shown) == config.load(path)
    # without a file: the defaults, which is the example
    result = vigil(capsys, "watch", "rules")
    shown.write_text(result.out)
    assert config.load(shown) == config.load(EXAMPLE)
