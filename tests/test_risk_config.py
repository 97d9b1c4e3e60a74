"""Risk presets and the `[risk]` table: layering, validation errors naming key/value/rule, the C++ struct."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shandian.config import ConfigError, parse_config
from shandian.risk import ACCOUNT_KEYS, AGENT_KEYS, INSTRUMENT_KEYS, load_preset, parse_risk

PRESETS = Path(__file__).resolve().parents[1] / "risk"
_BASE = {"account": {"preset": "local"}, "front": {"name": "t"}}


def test_risk_presets_when_loaded_every_file_validates_and_every_value_is_commented() -> None:
    names = sorted(p.stem for p in PRESETS.glob("*.toml"))
    assert names == ["cffex", "czce", "dce", "default", "shfe"]
    for name in names:
        load_preset(name)  # raises on an unknown key or a bad value
        for line in (PRESETS / f"{name}.toml").read_text(encoding="utf-8").splitlines():
            if re.match(r"^\s*[a-z_]+\s*=", line):
                assert "#" in line, f"{name}.toml: value without its basis: {line!r}"


def test_risk_presets_when_default_loaded_covers_every_key() -> None:
    d = load_preset("default")
    assert set(d["agent"]) == set(AGENT_KEYS)
    assert set(d["instrument"]) == set(INSTRUMENT_KEYS)
    assert set(d["account"]) == set(ACCOUNT_KEYS)


def test_risk_config_when_preset_named_it_overrides_default_and_overrides_win() -> None:
    cfg = parse_risk(
        {"preset": "cffex", "instrument": {"daily_cancels": 300}, "agent": {"daily_cancels": 50}}
    )
    assert cfg.instrument["daily_open_volume"] == 450  # from cffex.toml
    assert cfg.instrument["daily_cancels"] == 300  # run override
    assert cfg.instrument["daily_messages"] == 3800  # from default.toml
    limits = cfg.limits()
    assert limits.instrument.daily_cancels == 300
    assert limits.agent.daily_cancels == 50
    assert limits.account.order_rate == [(9, 1000)]
    assert limits.instrument.fak_fok_cancels_exempt is False


def test_risk_config_when_exchange_and_agent_overrides_they_reach_the_struct() -> None:
    cfg = parse_risk({
        "preset": "shfe",
        "exchanges": {"CFFEX": {"preset": "cffex", "daily_open_volume": 100}},
        "agents": {"mm": {"cancel_rate": [[5, 1000], [20, 10000]], "daily_cancels": 10}},
    })
    limits = cfg.limits()
    assert limits.instrument.daily_cancels == 480
    assert limits.exchanges["CFFEX"].daily_cancels == 380
    assert limits.exchanges["CFFEX"].daily_open_volume == 100
    mm = cfg.agent_limits("mm")
    assert mm.cancel_rate == [(5, 1000), (20, 10000)] and mm.daily_cancels == 10
    assert cfg.agent_limits("other") is None


@pytest.mark.parametrize(
    ("table", "key", "text"),
    [
        ({"instrumnet": {}}, "risk.instrumnet", "did you mean 'instrument'"),
        ({"instrument": {"daily_cancel": 5}}, "risk.instrument.daily_cancel", "did you mean 'daily_cancels'"),
        ({"instrument": {"daily_cancels": -1}}, "risk.instrument.daily_cancels", "-1 must be an integer"),
        ({"instrument": {"daily_cancels": True}}, "risk.instrument.daily_cancels", "must be an integer"),
        ({"instrument": {"large_order_ratio": 1.5}}, "risk.instrument.large_order_ratio", "in [0, 1]"),
        ({"agent": {"order_rate": [[0, 1000]]}}, "risk.agent.order_rate", "[limit, window_ms]"),
        ({"agent": {"order_rate": [[1, 1], [2, 2], [3, 3]]}}, "risk.agent.order_rate", "at most 2"),
        ({"account": {"daily_loss": "1e6"}}, "risk.account.daily_loss", "a number >= 0"),
        ({"preset": "nasdaq"}, "risk.preset", "not a preset (known: cffex, czce, dce, default, shfe"),
        ({"exchanges": {"NYSE": {}}}, "risk.exchanges.NYSE", "unknown exchange"),
        ({"agents": {"mm": {"daily_loss": -5}}}, "risk.agents.mm.daily_loss", "-5 must be"),
        ({"enabled": "yes"}, "risk.enabled", "true or false"),
    ],
)
def test_risk_config_when_bad_key_or_value_raises_config_error_naming_it(
    table: dict[str, object], key: str, text: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_risk(table)
    assert info.value.key == key
    assert text in str(info.value)


def test_risk_config_when_run_toml_has_risk_table_it_is_parsed_at_load() -> None:
    cfg = parse_config({**_BASE, "risk": {"preset": "dce", "agent": {"max_active_orders": 7}}})
    assert cfg.risk is not None and cfg.risk.preset == "dce"
    assert cfg.risk.agent["max_active_orders"] == 7
    assert cfg.risk.limits().instrument.large_order_ratio == pytest.approx(0.8)
    assert parse_config(dict(_BASE)).risk is None  # no table: the engine installs the default preset
    with pytest.raises(ConfigError, match=r"risk\.account\.max_active_order: unknown key"):
        parse_config({**_BASE, "risk": {"account": {"max_active_order": 1}}})


def test_risk_config_when_preset_is_a_path_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "desk.toml").write_text("[agent]\ndaily_cancels = 42  # desk budget\n", encoding="utf-8")
    cfg = parse_risk({"preset": "desk.toml"}, tmp_path)
    assert cfg.agent["daily_cancels"] == 42
    (tmp_path / "bad.toml").write_text("[agent]\nfoo = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"preset bad\.toml: agent\.foo: unknown key"):
        parse_risk({"preset": "bad.toml"}, tmp_path)


def test_risk_config_when_clock_accelerated_time_limits_scale_and_counts_do_not() -> None:
    cfg = parse_risk({"agents": {"mm": {"order_rate": [[5, 1000], [20, 10000]]}}})
    fast = cfg.on_clock(20)
    assert fast.account["order_rate"] == [[9, 50]]
    assert fast.agents["mm"]["order_rate"] == [[5, 50], [20, 500]]
    assert fast.instrument["stale_after_ms"] == 250
    assert fast.instrument["daily_cancels"] == cfg.instrument["daily_cancels"]
    assert cfg.account["order_rate"] == [[9, 1000]]  # the original is untouched
    assert cfg.on_clock(0).account["order_rate"] == [[9, 1000]]  # speed 0: no clock to scale by
