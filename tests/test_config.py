"""Config validation: every rule gives an error naming the key, the value and the rule; secrets never echo."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shandian.config import (
    LOCAL_FRONT_KEYS,
    SIMNOW_AUTH_CODE,
    Config,
    ConfigError,
    Secret,
    load_config,
    parse_config,
    read_secret_file,
)

ENV = {"SIMNOW_USER": "123456", "SIMNOW_PASSWORD": "pw-from-env-Zq9"}


def parse(data: dict, env: dict | None = None) -> Config:
    return parse_config(data, env=ENV if env is None else env)


def error_of(data: dict, env: dict | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(data, env)
    return info.value


def local(**front: object) -> dict:
    return {"account": {"preset": "local"}, "front": {"name": "t", **front}}


# ---- presets ------------------------------------------------------------------------------------------
def test_config_when_simnow_preset_and_two_env_vars_is_complete() -> None:
    cfg = parse({"account": {"preset": "simnow"}})
    a = cfg.account
    assert a.broker_id == "9999" and a.user_id == "123456"
    assert a.password.reveal() == "pw-from-env-Zq9" and a.password.source == "env:SIMNOW_PASSWORD"
    assert a.app_id == "simnow_client_test" and a.auth_code.reveal() == SIMNOW_AUTH_CODE
    assert a.library == "sfit"
    assert len(a.trader_fronts) == 3 and all(f.startswith("tcp://") for f in a.trader_fronts + a.md_fronts)


def test_config_when_simnow_7x24_preset_uses_the_40001_front() -> None:
    cfg = parse({"account": {"preset": "simnow-7x24"}})
    assert cfg.account.trader_fronts == ["tcp://182.254.243.31:40001"]
    assert cfg.account.md_fronts == ["tcp://182.254.243.31:40011"]


def test_config_when_simnow_password_env_missing_names_the_variable() -> None:
    e = error_of({"account": {"preset": "simnow"}}, env={"SIMNOW_USER": "1"})
    assert e.key == "account.password_env" and "SIMNOW_PASSWORD is not set" in str(e)


def test_config_when_simnow_user_env_missing_names_the_variable() -> None:
    e = error_of({"account": {"preset": "simnow"}}, env={"SIMNOW_PASSWORD": "x"})
    assert e.key == "account.user_env" and "SIMNOW_USER" in str(e)


def test_config_when_local_preset_builds_a_local_address_from_front_table() -> None:
    cfg = parse(local(speed=50, instruments=["rb", "cu"], require_auth=False, md_drop_ratio=0.5))
    address = cfg.account.trader_fronts[0]
    assert address == cfg.account.md_fronts[0]
    assert address.startswith("local://t?")
    assert "speed=50" in address and "instruments=rb,cu" in address and "require_auth=0" in address
    assert cfg.account.library == "local"


def test_config_when_preset_overridden_keeps_the_override() -> None:
    cfg = parse({"account": {"preset": "simnow", "trader_fronts": ["tcp://1.2.3.4:5"]}})
    assert cfg.account.trader_fronts == ["tcp://1.2.3.4:5"]
    assert cfg.account.broker_id == "9999"


# ---- rules ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "key", "fragment"),
    [
        ({"acount": {}}, "acount", "did you mean 'account'"),
        ({"account": {"preset": "local", "pasword_env": "X"}}, "account.pasword_env", "unknown key"),
        ({"account": {"preset": "nope"}}, "account.preset", "is not a preset"),
        (
            {"account": {"preset": "local"}, "engine": {"wait": "fast"}},
            "engine.wait",
            "'fast' must be one of",
        ),
        (
            {"account": {"preset": "local"}, "engine": {"duration": -1}},
            "engine.duration",
            "must be a number >= 0",
        ),
        ({"account": {"preset": "local"}, "engine": {"duration": 0}}, "engine.duration", "must be > 0"),
        ({"account": {"preset": "local"}, "engine": {"cpu": -1}}, "engine.cpu", "must be an integer >= 0"),
        (
            {"account": {"preset": "local"}, "journal": {"writer_priority": "low"}},
            "journal.writer_priority",
            "'low' must be one of idle, batch, normal",
        ),
        (
            {"account": {"preset": "local"}, "journal": {"wake_on_request": 1}},
            "journal.wake_on_request",
            "must be true or false",
        ),
        ({"account": {"preset": "local"}, "engine": {"cpu": "1"}}, "engine.cpu", "must be an integer >= 0"),
        (
            {"account": {"preset": "local"}, "engine": {"cancel_on_stop": "yes"}},
            "engine.cancel_on_stop",
            "must be true or false",
        ),
        (
            {"account": {"preset": "local"}, "engine": {"on_recovery": "keep"}},
            "engine.on_recovery",
            "'keep' must be one of adopt, cancel",
        ),
        (
            {"account": {"preset": "local"}, "engine": {"on_recovery": 1}},
            "engine.on_recovery",
            "must be a string",
        ),
        (
            {"account": {"preset": "local"}, "engine": {"max_events_per_batch": 1.5}},
            "engine.max_events_per_batch",
            "must be an integer",
        ),
        (
            {"account": {"preset": "local"}, "engine": {"progres_interval": 1}},
            "engine.progres_interval",
            "did you mean 'progress_interval'",
        ),
        ({"account": {"preset": "local", "resume": "later"}}, "account.resume", "must be one of"),
        (
            {"account": {"broker_id": "", "user_id": "u", "password_env": "P"}},
            "account.broker_id",
            "non-empty",
        ),
        (
            {"account": {"broker_id": "1", "user_id": "u", "password_env": "P", "trader_fronts": []}},
            "account.password_env",
            "not set",
        ),
        (
            {"account": {"preset": "simnow", "trader_fronts": ["http://x"]}},
            "account.trader_fronts",
            "must start with tcp://",
        ),
        ({"account": {"preset": "simnow", "md_fronts": "tcp://x"}}, "account.md_fronts", "list"),
        ({"account": {"preset": "simnow"}, "front": {"speed": 1}}, "front", "preset = 'local'"),
        (local(speed=-1), "front.speed", "-1 must be a number >= 0"),
        (local(speedy=1), "front.speedy", "did you mean 'speed'"),
        (local(session="morning"), "front.session", "'morning' must be 'day' or 'night'"),
        (local(md_drop_ratio=2), "front.md_drop_ratio", "in [0, 1]"),
        (local(instruments=[]), "front.instruments", "non-empty list"),
        (local(trading_day="2025-01-02"), "front.trading_day", "YYYYMMDD"),
        (local(require_auth=1), "front.require_auth", "true or false"),
        ({"account": {"preset": "local"}, "front": {"name": "a b"}}, "front.name", "letters, digits"),
        ({"account": {"preset": "local"}, "agents": {}}, "agents", "array of tables"),
        ({"account": {"preset": "local"}, "agents": [{"name": "a"}]}, "agents[0].class", "'module:Class'"),
        (
            {"account": {"preset": "local"}, "agents": [{"name": "a", "class": "m:C", "colour": 1}]},
            "agents[0].colour",
            "unknown key",
        ),
        (
            {"account": {"preset": "local"}, "agents": [{"name": "", "class": "m:C"}]},
            "agents[0].name",
            "non-empty",
        ),
        (
            {
                "account": {"preset": "local"},
                "agents": [{"name": "a", "class": "m:C"}, {"name": "a", "class": "m:C"}],
            },
            "agents[1].name",
            "unique",
        ),
        (
            {"account": {"preset": "local"}, "agents": [{"name": "a", "class": "m:C", "symbols": [1]}]},
            "agents[0].symbols",
            "list of non-empty strings",
        ),
        (
            {"account": {"preset": "local"}, "agents": [{"name": "a", "class": "m:C", "params": 3}]},
            "agents[0].params",
            "must be a table",
        ),
    ],
)
def test_config_when_rule_broken_error_names_key_value_and_rule(data: dict, key: str, fragment: str) -> None:
    e = error_of(data)
    assert e.key == key, str(e)
    assert str(e).startswith(f"{key}:")
    assert fragment in str(e)


def test_config_when_both_env_and_file_given_is_refused(tmp_path: Path) -> None:
    e = error_of({"account": {"preset": "simnow", "password_env": "A", "password_file": str(tmp_path / "x")}})
    assert e.key == "account.password_env" and "not both" in str(e)


def test_config_when_every_front_key_known_has_a_validator() -> None:
    assert {
        "speed",
        "seed",
        "instruments",
        "session",
        "max_ticks",
        "require_auth",
        "disconnect_after",
    } <= set(LOCAL_FRONT_KEYS)


# ---- secrets --------------------------------------------------------------------------------------------
def write_secret(path: Path, text: str, mode: int) -> Path:
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


def test_config_when_secret_file_is_0600_reads_first_line(tmp_path: Path) -> None:
    f = write_secret(tmp_path / "pw", "file-secret-77", 0o600)
    cfg = parse({"account": {"preset": "simnow", "password_file": str(f)}})
    assert cfg.account.password.reveal() == "file-secret-77"
    assert cfg.account.password.source == f"file:{f}"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666, 0o700 | 0o004])
def test_config_when_secret_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    f = write_secret(tmp_path / "pw", "file-secret-88", mode)
    e = error_of({"account": {"preset": "simnow", "password_file": str(f)}})
    assert e.key == "account.password_file"
    assert f"mode {stat.S_IMODE(mode):04o}" in str(e) and "chmod 600" in str(e)
    assert "file-secret-88" not in str(e)


def test_config_when_secret_file_missing_or_empty_is_refused(tmp_path: Path) -> None:
    e = error_of({"account": {"preset": "simnow", "auth_code_file": str(tmp_path / "none")}})
    assert e.key == "account.auth_code_file" and "cannot be read" in str(e)
    empty = write_secret(tmp_path / "empty", "", 0o600)
    with pytest.raises(ConfigError, match="is empty"):
        read_secret_file(str(empty), "k")


def test_config_when_printed_never_shows_secrets(tmp_path: Path) -> None:
    f = write_secret(tmp_path / "ac", "auth-secret-99", 0o400)
    cfg = parse({"account": {"preset": "simnow", "auth_code_file": str(f)}})
    text = repr(cfg) + str(cfg.account) + repr(cfg.account.password) + str(cfg.account.auth_code)
    assert "pw-from-env-Zq9" not in text and "auth-secret-99" not in text
    assert "<secret from env:SIMNOW_PASSWORD>" in text
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(cfg.account.password)


def test_config_when_env_value_wrong_error_never_contains_the_value() -> None:
    # A bad value of another key must not drag the secret into the message either.
    e = error_of({"account": {"preset": "simnow", "resume": "pw-from-env-Zq9"}})
    assert e.key == "account.resume"
    e2 = error_of({"account": {"preset": "simnow", "password_env": ""}})
    assert "pw-from-env-Zq9" not in str(e2)


# ---- files and round trips --------------------------------------------------------------------------------
def test_config_when_loaded_from_toml_resolves_agent_paths_against_the_file(tmp_path: Path) -> None:
    p = tmp_path / "run.toml"
    p.write_text(
        '[account]\npreset = "local"\n[front]\nspeed = 5\n[engine]\nduration = 3\n'
        '[[agents]]\nname = "a"\nclass = "agents/x.py:X"\nsymbols = ["rb2505"]\nparams = { n = 1 }\n'
    )
    cfg = load_config(p)
    assert cfg.base_dir == tmp_path.resolve()
    assert cfg.engine.duration == 3.0
    assert cfg.agents[0].params == {"n": 1} and cfg.agents[0].symbols == ["rb2505"]


def test_config_when_toml_is_invalid_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[account\n")
    with pytest.raises(ConfigError, match=r"bad\.toml is not valid TOML"):
        load_config(p)


def test_config_when_demo_file_loads_is_valid() -> None:
    cfg = load_config(Path(__file__).resolve().parents[1] / "examples" / "demo.toml")
    assert cfg.account.preset == "local" and len(cfg.agents) >= 2 and cfg.engine.duration


def test_config_when_built_in_code_matches_the_toml_form() -> None:
    a = Config.local(name="t", speed=50)
    b = parse(local(speed=50))
    assert a.account.trader_fronts == b.account.trader_fronts


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
front_values = st.fixed_dictionaries(
    {},
    optional={
        "speed": st.integers(0, 1000) | st.floats(0, 1000, allow_nan=False),
        "seed": st.integers(0, 2**63),
        "instruments": st.lists(st.sampled_from(["rb", "cu", "au", "IF", "m", "SR"]), min_size=1, max_size=6),
        "session": st.sampled_from(["day", "night"]),
        "max_ticks": st.integers(0, 10**6),
        "require_auth": st.booleans(),
        "disconnect_after": st.integers(0, 1000),
        "md_drop_ratio": st.floats(0, 1),
    },
)


@settings(max_examples=60, deadline=None)
@given(name=names, front=front_values)
def test_config_when_front_settings_valid_address_round_trips(name: str, front: dict) -> None:
    from urllib.parse import parse_qsl, urlsplit

    cfg = parse({"account": {"preset": "local"}, "front": {"name": name, **front}})
    url = urlsplit(cfg.account.trader_fronts[0])
    assert url.scheme == "local" and url.netloc == name
    got = dict(parse_qsl(url.query))
    assert set(got) == set(front) | {"query_interval_ms"}  # the local preset starts fast by default
    assert got["query_interval_ms"] == "100"
    assert cfg.account.query_interval_ms == 120
    for key, value in front.items():
        if isinstance(value, bool):
            assert got[key] == ("1" if value else "0")
        elif isinstance(value, list):
            assert got[key].split(",") == value
        else:
            assert got[key] == str(value)


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(sorted(LOCAL_FRONT_KEYS)),
    value=st.one_of(st.none(), st.text(max_size=3), st.integers(-5, -1)),
)
def test_config_when_front_value_invalid_error_names_key(key: str, value: object) -> None:
    check, _rule = LOCAL_FRONT_KEYS[key]
    if value is None or check(value):
        return
    e = error_of(local(**{key: value}))
    assert e.key == f"front.{key}" and repr(value) in str(e)


def test_secret_when_compared_and_hashed_behaves_like_a_value() -> None:
    assert Secret("a") == Secret("a", "env:X") and Secret("a") != Secret("b")
    assert "a" not in repr(Secret("a"))
    assert os.environ.get("SIMNOW_PASSWORD") != "pw-from-env-Zq9"  # the tests never touch the real env


def test_config_when_simnow_example_loads_with_the_two_env_vars() -> None:
    cfg = load_config(Path(__file__).resolve().parents[1] / "examples" / "simnow.toml", env=ENV)
    assert cfg.account.preset == "simnow" and cfg.account.user_id == "123456"
    assert cfg.engine.duration is None and cfg.agents[0].cls.endswith("breakout.py:Breakout")
