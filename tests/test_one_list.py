"""One declaration per enum, stats struct and limits struct: the Python side is generated from the C++ lists.

Each test iterates both sides, so a reject code, counter or risk limit added in C++ (cpp/core/types.hpp,
cpp/core/engine.hpp, cpp/risk/risk_limits.hpp) that does not reach Python fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

import shandian
from shandian import _core
from shandian import risk as risk_mod
from shandian.errors import ConfigError, OrderRejected, RejectCode
from shandian.names import DIRECTIONS, KIND_NAMES, OFFSETS, STATUSES
from shandian.paths import library_dir
from shandian.risk import parse_risk

ROOT = Path(__file__).resolve().parents[1]
SCOPE_KEYS = {"agent": risk_mod.AGENT_KEYS, "instrument": risk_mod.INSTRUMENT_KEYS,
              "account": risk_mod.ACCOUNT_KEYS}
SCOPE_STRUCTS = {"agent": _core.AgentLimits, "instrument": _core.InstrumentLimits,
                 "account": _core.AccountLimits}


def _cpp_list(header: str, macro: str, arg: int = 0) -> list[str]:
    """Return argument `arg` of every X(...) entry of an X-macro list `#define macro(X)` in a C++ header."""
    lines = (ROOT / header).read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"#define {macro}(X)")))
    end = start
    while lines[end].rstrip().endswith("\\"):
        end += 1
    body = " ".join(line.rstrip().rstrip("\\") for line in lines[start + 1:end + 1])
    return [m.split(",")[arg].strip() for m in re.findall(r"X\(([^\n]*?),\s*\"", body)]


def test_reject_codes_when_declared_in_cpp_are_all_members_of_the_python_strenum() -> None:
    cpp = list(_core.RejectCode.__members__)
    assert [c.value for c in RejectCode] == cpp
    assert "AGENT_STOPPED" in cpp
    header = _cpp_list("cpp/core/types.hpp", "SHANDIAN_REJECT_CODES")
    assert len(header) == len(cpp)  # every C++ enumerator reaches the binding


def test_order_rejected_when_given_a_code_name_carries_the_strenum_member() -> None:
    e = OrderRejected("AGENT_STOPPED", "agent a is stopped")
    assert e.code is RejectCode.AGENT_STOPPED
    assert e.code == "AGENT_STOPPED"
    assert str(e) == "AGENT_STOPPED: agent a is stopped"


def test_order_rejected_when_code_is_not_in_the_cpp_list_raises_value_error() -> None:
    with pytest.raises(ValueError, match="NOT_A_CODE"):
        OrderRejected("NOT_A_CODE", "x")


def test_old_import_locations_when_used_give_the_errors_module_classes() -> None:
    from shandian import agent, config, journal

    assert config.ConfigError is ConfigError
    assert agent.OrderRejected is OrderRejected
    assert agent.ParamError is shandian.errors.ParamError
    assert journal.JournalGapError is shandian.errors.JournalGapError
    assert shandian.ConfigError is ConfigError


def test_errors_module_when_parsed_imports_nothing_from_shandian_but_core() -> None:
    tree = ast.parse((ROOT / "shandian" / "errors.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in imported if m and m.startswith("shandian")} == {"shandian"}
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "shandian"
             for a in n.names}
    assert names == {"_core"}


def test_exception_classes_when_defined_in_shandian_live_only_in_the_errors_module() -> None:
    pattern = re.compile(r"^class \w+\((?:\w*Error|\w*Exception)\)", re.M)
    outside = [p.relative_to(ROOT).as_posix() for p in (ROOT / "shandian").rglob("*.py")
               if p.name != "errors.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert outside == []


@pytest.mark.parametrize(("enum", "table"), [(_core.Direction, DIRECTIONS), (_core.Offset, OFFSETS),
                                             (_core.OrderKind, KIND_NAMES), (_core.OrderStatus, STATUSES)])
def test_enum_names_when_generated_from_core_match_the_cpp_names(enum: Any, table: dict[int, str]) -> None:
    assert table == {int(v): name.lower() for name, v in enum.__members__.items()}
    assert "part_filled" in STATUSES.values() and "close_yesterday" in OFFSETS.values()


def test_engine_stats_when_read_from_python_have_every_cpp_counter(tmp_path: Path) -> None:
    session = _core.SessionConfig()
    session.trader_fronts = ["local://one-list"]
    session.flow_dir = str(tmp_path) + "/"
    session.broker_id, session.user_id, session.investor_id = "9999", "u", "u"
    rt = _core.Engine(str(library_dir("local")), session)
    stats = rt.stats()
    assert list(stats) == _cpp_list("cpp/core/engine.hpp", "SHANDIAN_ENGINE_STATS")
    assert {"conditionals_triggered", "conditional_children"} <= stats.keys()


def test_risk_stats_when_read_from_python_have_every_cpp_counter() -> None:
    stats = _core.RiskSandbox(_core.RiskLimits()).stats()
    assert list(stats) == [*_cpp_list("cpp/risk/risk_engine.hpp", "SHANDIAN_RISK_STATS"), "rejects"]


@pytest.mark.parametrize("scope", ["agent", "instrument", "account"])
def test_risk_limits_when_declared_in_cpp_are_keys_and_struct_fields_in_python(scope: str) -> None:
    fields = [f["name"] for f in _core.risk_limit_fields()[scope]]
    macro = {"agent": "SHANDIAN_AGENT_LIMITS", "instrument": "SHANDIAN_INSTRUMENT_LIMITS",
             "account": "SHANDIAN_ACCOUNT_LIMITS"}[scope]
    assert fields == _cpp_list("cpp/risk/risk_limits.hpp", macro, arg=1)
    assert list(SCOPE_KEYS[scope]) == fields
    struct = SCOPE_STRUCTS[scope]
    assert sorted(a for a in dir(struct) if not a.startswith("_")) == sorted(fields)
    defaults = struct()
    for f in _core.risk_limit_fields()[scope]:
        assert getattr(defaults, f["name"]) == f["default"]


@pytest.mark.parametrize(("scope", "key"), [(s, k) for s, keys in SCOPE_KEYS.items() for k in keys])
def test_risk_key_when_misspelled_in_toml_gets_a_did_you_mean_error(scope: str, key: str) -> None:
    typo = key[:-1] if len(key) > 4 else key + "x"
    with pytest.raises(ConfigError) as e:
        parse_risk({scope: {typo: 1}})
    assert e.value.key == f"risk.{scope}.{typo}"
    assert f"did you mean '{key}'" in str(e.value)


@pytest.mark.parametrize(("scope", "key"), [(s, k) for s, keys in SCOPE_KEYS.items() for k in keys])
def test_risk_key_when_given_a_wrong_value_names_key_value_and_rule(scope: str, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_risk({scope: {key: "oops"}})
    _, rule = SCOPE_KEYS[scope][key]
    assert e.value.key == f"risk.{scope}.{key}"
    assert str(e.value) == f"risk.{scope}.{key}: 'oops' must be {rule}"


@pytest.mark.parametrize(("scope", "key", "rule"), [
    ("agent", "max_order_volume", "an integer >= 0 (lots; 0 = off)"),
    ("agent", "daily_cancels", "an integer >= 0 (0 = off)"),
    ("agent", "daily_loss", "a number >= 0 (money; 0 = off)"),
    ("agent", "check_capital", "true or false"),
    ("instrument", "large_order_ratio", "a number in [0, 1] (of MaxLimitOrderVolume; 0 = off)"),
    ("instrument", "price_band_pct", "a number in [0, 100] (percent; 0 = off)"),
    ("instrument", "price_band_ticks", "an integer >= 0 (ticks; 0 = off)"),
    ("instrument", "stale_after_ms", "an integer >= 0 (ms; 0 = off)"),
    ("account", "order_rate",
     "a list of at most 2 [limit, window_ms] pairs of integers >= 1, e.g. [[5, 1000]]"),
])
def test_risk_rule_text_when_generated_from_the_cpp_list_keeps_its_wording(scope: str, key: str,
                                                                         rule: str) -> None:
    assert SCOPE_KEYS[scope][key][1] == rule
