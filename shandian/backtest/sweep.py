"""Parameter sweeps (`shandian optimize`): grid or seeded random search over params, ranked by a statistic.

Points run in this process, in local worker processes or as Ray tasks.

A point's result depends only on the config, the data and the point's params (each run is a fresh,
deterministic backtest in its own process or task; nothing is shared), so the table is the same whatever ran
it: one process, a pool, or a Ray cluster. docs/backtest-results.md describes the spec syntax.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import itertools
import math
import multiprocessing
import random
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shandian.backtest.output import format_value
from shandian.backtest.stats import STAT_KEYS
from shandian.errors import SweepError

__all__ = [
    "Dimension",
    "ParamSpec",
    "SweepError",
    "SweepTable",
    "backtest_point",
    "declared_params",
    "evaluate_points",
    "grid_points",
    "parse_param",
    "random_points",
    "resolve_dimensions",
    "sweep",
]

# (config path, {agent: {param: value}}) -> one row of statistics (a flat mapping of stat name -> value)
Evaluate = Callable[[str, dict[str, dict[str, Any]]], Mapping[str, Any]]

_NAME = re.compile(r"^(?:(?P<agent>.+)\.)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")
_MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class ParamSpec:
    """One `--param [agent.]name=VALUES` as written; values stay text until the target's type is known."""

    text: str
    agent: str | None  # None: every agent that declares `name`
    name: str
    values: tuple[str, ...]  # each value's text (a range is expanded here)
    is_range: bool = False

    @property
    def label(self) -> str:
        """The column name of this param in the results table."""
        return f"{self.agent}.{self.name}" if self.agent is not None else self.name


@dataclass(frozen=True)
class Dimension:
    """A resolved sweep axis: the (agent, param) pairs it sets and its typed values."""

    label: str
    targets: tuple[tuple[str, str], ...]
    values: tuple[Any, ...]


def _number(text: str) -> int | float | None:
    """Read an int or a finite float from text, or None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_param(text: str) -> ParamSpec:
    """Parse `[agent.]name=start:stop:step` (inclusive range), `name=a,b,c` (list) or `name=v`.

    Raises SweepError naming the spec and the rule it breaks.
    """
    head, sep, body = text.partition("=")
    match = _NAME.match(head.strip())
    if not sep or match is None:
        raise SweepError(f"--param {text!r}: must be [agent.]name=VALUES (name an identifier), "
                         "e.g. window=20:120:20 or fast.lots=1,2")
    body = body.strip()
    agent, name = match.group("agent"), match.group("name")
    if not body:
        raise SweepError(f"--param {text!r}: no values after '='")
    if ":" in body:
        return ParamSpec(text, agent, name, _expand_range(text, body), is_range=True)
    values = tuple(v.strip() for v in body.split(","))
    if any(not v for v in values):
        raise SweepError(f"--param {text!r}: empty value in the list {body!r}")
    if len(set(values)) != len(values):
        raise SweepError(f"--param {text!r}: a value is listed twice")
    return ParamSpec(text, agent, name, values)


def _expand_range(text: str, body: str) -> tuple[str, ...]:
    """start:stop:step, both ends included; ints when all three are ints, else floats."""
    parts = body.split(":")
    if len(parts) != 3:
        raise SweepError(f"--param {text!r}: a range is start:stop:step, got {body!r}")
    numbers = [_number(p.strip()) for p in parts]
    for part, number in zip(parts, numbers, strict=True):
        if number is None:
            raise SweepError(f"--param {text!r}: range bound {part.strip()!r} is not a number")
    start, stop, step = (n for n in numbers if n is not None)
    if step <= 0:
        raise SweepError(f"--param {text!r}: step {step} must be positive")
    if stop < start:
        raise SweepError(f"--param {text!r}: stop {stop} is below start {start}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > _MAX_POINTS:
        raise SweepError(f"--param {text!r}: {count} values (at most {_MAX_POINTS})")
    if all(isinstance(n, int) for n in (start, stop, step)):
        return tuple(str(start + i * step) for i in range(count))
    # round away binary noise (0.1 + 2 × 0.1 = 0.30000000000000004) at a precision far below any step
    return tuple(repr(round(start + i * step, 10)) for i in range(count))


def declared_params(config: str | Path) -> dict[str, dict[str, Any]]:
    """Each [[agents]] name → the params it declares, with their defaults (class `params`, then the config's).

    Reads only the [[agents]] tables of the TOML file (class and params); the agent classes are imported.
    """
    from shandian.engine.loading import load_agent_class

    path = Path(config)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SweepError(f"cannot read config {path}: {e}") from None
    out: dict[str, dict[str, Any]] = {}
    for i, table in enumerate(data.get("agents", [])):
        if not isinstance(table, dict) or not isinstance(table.get("name"), str):
            raise SweepError(f"{path}: agents[{i}] has no name")
        name, spec = table["name"], table.get("class", "")
        try:
            cls = load_agent_class(str(spec), path.resolve().parent)
        except (ImportError, ValueError) as e:
            raise SweepError(f"{path}: agents[{i}] ({name}) class {spec!r}: {e}") from None
        out[name] = {**cls.params, **dict(table.get("params", {}))}
    return out


def _typed(spec: ParamSpec, raw: str, default: Any, agent: str) -> Any:
    """Convert a value's text to the type of the param's default (bool / int / float / str)."""
    where = f"--param {spec.text!r}: {agent}.{spec.name} is {type(default).__name__}"
    if isinstance(default, bool):
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise SweepError(f"{where}; {raw!r} is not true/false")
    if isinstance(default, int):
        number = _number(raw)
        if not isinstance(number, int):
            raise SweepError(f"{where}; {raw!r} is not an integer")
        return number
    if isinstance(default, float):
        number = _number(raw)
        if number is None:
            raise SweepError(f"{where}; {raw!r} is not a number")
        return float(number)
    if isinstance(default, str):
        if spec.is_range:
            raise SweepError(f"{where}; a range needs a numeric param (list the values instead)")
        return raw
    raise SweepError(f"{where}: only bool, int, float and str params can be swept")


def resolve_dimensions(specs: Sequence[ParamSpec],
                       declared: Mapping[str, Mapping[str, Any]]) -> list[Dimension]:
    """Bind each spec to its agents: `agent.name` to that agent, a bare `name` to every agent declaring it.

    Values take the type of the param's default; the same (agent, param) set twice is an error.
    """
    dims: list[Dimension] = []
    seen: dict[tuple[str, str], str] = {}
    for spec in specs:
        if spec.agent is not None:
            if spec.agent not in declared:
                raise SweepError(f"--param {spec.text!r}: no agent {spec.agent!r} in the config "
                                 f"(agents: {', '.join(sorted(declared)) or 'none'})")
            if spec.name not in declared[spec.agent]:
                has = ", ".join(sorted(declared[spec.agent])) or "none"
                raise SweepError(f"--param {spec.text!r}: agent {spec.agent!r} declares no param "
                                 f"{spec.name!r} (it has: {has})")
            agents = [spec.agent]
        else:
            agents = sorted(a for a, params in declared.items() if spec.name in params)
            if not agents:
                every = sorted({p for params in declared.values() for p in params})
                raise SweepError(f"--param {spec.text!r}: no agent declares a param {spec.name!r} "
                                 f"(declared: {', '.join(every) or 'none'})")
        for agent in agents:
            if (agent, spec.name) in seen:
                raise SweepError(f"--param {spec.text!r}: {agent}.{spec.name} is already swept by "
                                 f"{seen[(agent, spec.name)]!r}")
            seen[(agent, spec.name)] = spec.text
        typed = [tuple(_typed(spec, raw, declared[a][spec.name], a) for raw in spec.values) for a in agents]
        if any(t != typed[0] for t in typed[1:]):
            raise SweepError(f"--param {spec.text!r}: the agents {', '.join(agents)} declare {spec.name!r} "
                             "with different types; name one agent (agent.name=...)")
        dims.append(Dimension(spec.label, tuple((a, spec.name) for a in agents), typed[0]))
    return dims


def grid_points(dims: Sequence[Dimension]) -> list[tuple[Any, ...]]:
    """Every combination, the last dimension varying fastest."""
    size = math.prod(len(d.values) for d in dims)
    if size > _MAX_POINTS:
        raise SweepError(f"the grid has {size} points (at most {_MAX_POINTS}); use --random N")
    return list(itertools.product(*(d.values for d in dims)))


def random_points(dims: Sequence[Dimension], n: int, seed: int) -> list[tuple[Any, ...]]:
    """Draw `n` distinct grid points with random.Random(seed), in grid order (all when n ≥ the grid)."""
    if n <= 0:
        raise SweepError(f"--random {n}: must be positive")
    sizes = [len(d.values) for d in dims]
    size = math.prod(sizes)
    chosen = range(size) if n >= size else sorted(random.Random(seed).sample(range(size), n))
    points = []
    for index in chosen:
        values = []
        for dim, width in zip(reversed(dims), reversed(sizes), strict=True):
            index, i = divmod(index, width)
            values.append(dim.values[i])
        points.append(tuple(reversed(values)))
    return points


def overrides_of(dims: Sequence[Dimension], point: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Turn a point into the runner's `params`: agent name → {param: value}."""
    out: dict[str, dict[str, Any]] = {}
    for dim, value in zip(dims, point, strict=True):
        for agent, name in dim.targets:
            out.setdefault(agent, {})[name] = value
    return out


def backtest_point(config: str, params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Run one backtest (shandian.backtest.runner.run); return its total stats and its trades' digest."""
    runner = importlib.import_module("shandian.backtest.runner")
    result = runner.run(config, params=params)
    return {**result.stats, "trades_sha256": hashlib.sha256(result.trades.tobytes()).hexdigest()[:16]}


def _evaluate_safely(evaluate: Evaluate, config: str, params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One point's row; an exception becomes the row's `error` (the sweep goes on, the row ranks last)."""
    try:
        return {**evaluate(config, params), "error": ""}
    except Exception as e:  # any failure of one point is reported in its row
        return {"error": f"{type(e).__name__}: {e}"}


def _pool_context() -> multiprocessing.context.BaseContext:
    """Pick forkserver where the platform has it (fresh workers, cheap starts), else spawn; never fork."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def evaluate_points(config: str, overrides: Sequence[dict[str, dict[str, Any]]], *,
                    evaluate: Evaluate = backtest_point, jobs: int = 1, ray_address: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """One row per override set, in input order: in this process (jobs=1), a process pool, or Ray tasks.

    `ray_address`: "local" starts a private Ray instance, anything else ("auto", "ray://host:10001", ...)
    goes to `ray.init(address=...)`; when Ray is already initialised in this process it is used as it is.
    `progress(done, total)` is called after each finished point (completion order; rows stay in input order).
    """
    report = progress or (lambda done, total: None)
    if ray_address is not None:
        return _evaluate_on_ray(config, overrides, evaluate, ray_address, report)
    if jobs < 1:
        raise SweepError(f"--jobs {jobs}: must be at least 1")
    rows: list[dict[str, Any]] = []
    if jobs == 1:
        for o in overrides:
            rows.append(_evaluate_safely(evaluate, config, o))
            report(len(rows), len(overrides))
        return rows
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        futures = [pool.submit(_evaluate_safely, evaluate, config, o) for o in overrides]
        for done, _ in enumerate(as_completed(futures), 1):
            report(done, len(futures))
        return [f.result() for f in futures]


def _evaluate_on_ray(config: str, overrides: Sequence[dict[str, dict[str, Any]]], evaluate: Evaluate,
                     address: str, report: Callable[[int, int], None]) -> list[dict[str, Any]]:
    """Run the points as Ray tasks (one CPU each); gather the rows in input order."""
    try:
        ray: Any = importlib.import_module("ray")
    except ImportError:
        raise SweepError("--ray needs Ray: pip install 'shandian[ray]'") from None
    started = not ray.is_initialized()
    if started:
        try:
            if address == "local":
                ray.init(include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise SweepError(f"--ray {address}: cannot start or reach Ray: {e}") from None
    try:
        task = ray.remote(num_cpus=1)(_evaluate_safely)
        refs = [task.remote(evaluate, config, o) for o in overrides]
        pending = list(refs)
        while pending:
            _, pending = ray.wait(pending, num_returns=1)
            report(len(refs) - len(pending), len(refs))
        return list(ray.get(refs))
    finally:
        if started:
            ray.shutdown()


@dataclass
class SweepTable:
    """The ranked results: `columns` in order, one dict per point (best first), and how they were run."""

    objective: str
    minimize: bool
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def write_csv(self, path: str | Path) -> Path:
        """Save the table as CSV (exact float reprs: the same sweep gives the same bytes)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(self.columns)
            w.writerows([format_value(row.get(c, "")) for c in self.columns] for row in self.rows)
        return path

    def format(self, top: int = 10) -> str:
        """Format the best `top` rows as a plain-text table (params, the objective, a few key statistics)."""
        shown = [c for c in self.columns if (c not in STAT_KEYS or c == self.objective)
                 and c not in ("trades_sha256", "error")]
        shown += [k for k in ("net_pnl", "max_drawdown", "trade_count") if k != self.objective]
        if any(row.get("error") for row in self.rows[:top]):
            shown.append("error")
        cells = [shown] + [[_cell(row.get(c, "")) for c in shown] for row in self.rows[:top]]
        widths = [max(len(r[i]) for r in cells) for i in range(len(shown))]
        lines = ["  ".join(f"{v:>{w}}" for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
        lines.insert(1, "-" * len(lines[0]))
        if len(self.rows) > top:
            lines.append(f"... {len(self.rows) - top} more")
        return "\n".join(lines)


def _cell(value: Any) -> str:
    """Format a table cell: floats with 4 decimals, the rest as text."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def rank(rows: Sequence[dict[str, Any]], objective: str, minimize: bool = False) -> list[dict[str, Any]]:
    """Best first by the objective; failed points and NaN last; ties keep the points' order (stable)."""
    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, float, int]:
        index, row = item
        value = row.get(objective)
        if row.get("error") or not isinstance(value, int | float) or math.isnan(value):
            return (1, 0.0, index)
        return (0, float(value) if minimize else -float(value), index)

    ordered = sorted(enumerate(rows), key=key)
    return [{"rank": i + 1, **row} for i, (_, row) in enumerate(ordered)]


def sweep(config: str | Path, params: Sequence[str], *, objective: str = "sharpe", minimize: bool = False,
          random_n: int | None = None, seed: int = 0, jobs: int = 1, ray_address: str | None = None,
          evaluate: Evaluate = backtest_point, declared: Mapping[str, Mapping[str, Any]] | None = None,
          progress: Callable[[int, int], None] | None = None) -> SweepTable:
    """Parse the specs, resolve them against the config's agents, run every point, rank by `objective`.

    `declared` (agent → params with defaults) is read from the config's [[agents]] when not given.
    """
    if objective not in STAT_KEYS:
        raise SweepError(f"--objective {objective!r}: not a statistic (valid: {', '.join(STAT_KEYS)})")
    if not params:
        raise SweepError("no --param given: nothing to sweep")
    config_path = str(Path(config).resolve())
    specs = [parse_param(p) for p in params]
    dims = resolve_dimensions(specs, declared if declared is not None else declared_params(config_path))
    points = grid_points(dims) if random_n is None else random_points(dims, random_n, seed)
    rows = evaluate_points(config_path, [overrides_of(dims, p) for p in points], evaluate=evaluate, jobs=jobs,
                           ray_address=ray_address, progress=progress)
    labelled = [{**dict(zip((d.label for d in dims), p, strict=True)), **row}
                for p, row in zip(points, rows, strict=True)]
    extra = sorted({k for row in rows for k in row} - set(STAT_KEYS) - {"error"})
    columns = ["rank", *(d.label for d in dims), objective,
               *(k for k in STAT_KEYS if k != objective), *extra, "error"]
    return SweepTable(objective, minimize, columns, rank(labelled, objective, minimize))


def optimize_main(args: Any) -> int:
    """`shandian optimize` (parsed by shandian.cli): run the sweep, print the best rows, save the CSV."""
    import sys
    import time

    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        elapsed = time.monotonic() - started
        eta = elapsed / done * (total - done)
        end = "\n" if done == total else ""
        print(f"\r{done}/{total} points  {elapsed:.1f} s  ETA {eta:.0f} s", end=end, file=sys.stderr,
              flush=True)

    try:
        table = sweep(args.config, args.param, objective=args.objective, minimize=args.minimize,
                      random_n=args.random, seed=args.seed, jobs=args.jobs, ray_address=args.ray,
                      progress=None if args.quiet else progress)
    except SweepError as e:
        print(f"shandian optimize: {e}", file=sys.stderr)
        return 2
    print(table.format(top=args.top))
    failed = sum(1 for row in table.rows if row.get("error"))
    where = f"ray {args.ray}" if args.ray else f"{args.jobs} process{'es' if args.jobs > 1 else ''}"
    print(f"{len(table.rows)} points ({failed} failed) on {where} in {time.monotonic() - started:.1f} s, "
          f"ranked by {'lowest' if args.minimize else 'highest'} {args.objective}")
    if args.out:
        print(f"table: {table.write_csv(args.out)}")
    if failed:
        first = next(row for row in table.rows if row.get("error"))
        print(f"first failure: {first['error']}", file=sys.stderr)
    return 1 if failed == len(table.rows) else 0
