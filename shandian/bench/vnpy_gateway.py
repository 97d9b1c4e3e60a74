"""Baseline: the real vn.py CTP gateway (``vnpy_ctp``) on the local front, fed the bench tick stream.

``vnpy_ctp.CtpGateway`` runs unmodified: its ``vnctpmd`` / ``vnctptd`` extensions (built from the
vnpy_ctp 6.7.11.4 sdist) link ``libthostmduserapi_se.so`` / ``libthosttraderapi_se.so`` by soname, and this
module loads the local front's same-named pair first (``RTLD_GLOBAL``), so the dynamic linker binds the
gateway to shandian's local front instead of SFIT's libraries shipped inside vnpy_ctp. The gateway connects
to ``tcp://`` addresses (it prefixes ``tcp://`` to anything else), which the local front maps to the
instance named by ``SHANDIAN_LOCAL_FRONT``: the same ``local://`` address, CSV replay and speed the
shandian scenario uses. It logs in, confirms settlement and queries instruments as in production (vn.py
drops ticks of contracts it has not yet seen), subscribes the stream's contracts, and a handler registered
on ``EVENT_TICK`` of its ``EventEngine`` stamps ``time.monotonic_ns()`` on entry: the point where a vn.py
strategy's ``on_tick`` runs.

Everything here runs in the bench's child process for this scenario (the preload and the environment
variable are process-wide).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

VNPY_CTP_VERSION = "6.7.11.4"
INSTALL_HINT = (
    "install the optional extra `bench-vnpy` with vnpy_ctp built from its sdist:"
    f" pip install --no-binary vnpy_ctp vnpy_ctp=={VNPY_CTP_VERSION}"
    " (needs vnpy; `pip install --no-deps vnpy numpy ta-lib tzlocal` is the light way)"
)
# vnpy_ctp converts every GBK string through std::locale("zh_CN.GB18030") (vnctp.h) and aborts the process
# when the locale is missing; it is compiled once into the cache with localedef (no root needed) and found
# through LOCPATH.
GB18030_LOCALE = "zh_CN.GB18030"
CLOSE_TIMEOUT_S = 10.0
QUIESCE_S = 0.5  # after stopping vn.py's EventEngine, before CtpGateway.close() (see run_gateway)
TD_ADDRESS, MD_ADDRESS = "tcp://127.0.0.1:41205", "tcp://127.0.0.1:41213"  # host:port ignored by the front


def unavailable_reason() -> str | None:
    """None when vnpy_ctp (the pinned version) and vnpy import, else why not and how to get them."""
    try:
        version = metadata.version("vnpy_ctp")
    except metadata.PackageNotFoundError:
        return f"vnpy_ctp is not installed; {INSTALL_HINT}"
    if version != VNPY_CTP_VERSION:
        return f"vnpy_ctp {version} is installed, the baseline is pinned to {VNPY_CTP_VERSION};" \
               f" {INSTALL_HINT}"
    try:
        import vnpy.event
        import vnpy.trader.utility  # noqa: F401
    except Exception as exc:  # any import-time failure of the optional third-party package
        return f"vnpy does not import ({type(exc).__name__}: {exc}); {INSTALL_HINT}"
    return None


def _cache_root() -> Path:
    """Return the cache directory cmake/CtpSdk.cmake uses: $SHANDIAN_CACHE_DIR or ~/.cache/shandian."""
    return Path(os.environ.get("SHANDIAN_CACHE_DIR") or Path.home() / ".cache" / "shandian")


# Resolved at import: run_gateway points HOME at a scratch directory for vn.py, and the cache must not move.
CACHE_ROOT = _cache_root()


def locale_dir() -> Path:
    """Directory holding the compiled zh_CN.GB18030 locale for LOCPATH (built on first use).

    Raises RuntimeError saying what is missing when it cannot be built.
    """
    root = CACHE_ROOT / "locale"
    if (root / GB18030_LOCALE / "LC_CTYPE").is_file():
        return root
    localedef = shutil.which("localedef")
    if localedef is None:
        raise RuntimeError(f"vnpy_ctp needs the {GB18030_LOCALE} locale and localedef is not installed"
                           " (Debian: apt-get install locales)")
    root.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([localedef, "-i", "zh_CN", "-f", "GB18030", str(root / GB18030_LOCALE)],
                          capture_output=True, text=True, timeout=300, check=False)
    if not (root / GB18030_LOCALE / "LC_CTYPE").is_file():
        raise RuntimeError(f"vnpy_ctp needs the {GB18030_LOCALE} locale; localedef could not build it"
                           f" (exit {proc.returncode}: {proc.stderr.strip()[-200:]})")
    return root


@dataclass
class GatewayRun:
    """What one gateway run delivered to the strategy handler, in arrival order."""

    arrivals_ns: list[int] = field(default_factory=list)  # handler entry, CLOCK_MONOTONIC
    ticks: list[tuple[str, int]] = field(default_factory=list)  # (symbol, volume) of each tick handled
    log: list[str] = field(default_factory=list)  # the gateway's own log lines (login, queries, errors)
    phases: dict[str, float] = field(default_factory=dict)  # seconds: connect → subscribed, → done, close


def _preload_local_front(lib_dir: Path) -> None:
    """Load the local front's CTP pair process-wide so vnpy_ctp's extensions bind to it by soname."""
    for name in ("libthosttraderapi_se.so", "libthostmduserapi_se.so"):
        ctypes.CDLL(str(lib_dir / name), mode=ctypes.RTLD_GLOBAL)


def run_gateway(front_address: str, lib_dir: Path, symbols: tuple[str, ...], expected: int,
                credentials: dict[str, str], timeout_s: float) -> GatewayRun:
    """Connect vnpy_ctp's CtpGateway to FRONT_ADDRESS (a local:// address) and collect EXPECTED ticks.

    CREDENTIALS: broker_id, user_id, password, app_id, auth_code (vn.py authenticates when auth_code is set).

    Returns when the handler has seen EXPECTED ticks or TIMEOUT_S has passed (the caller checks the count).
    """
    start = time.monotonic()
    os.environ["LOCPATH"] = str(locale_dir())
    os.environ["SHANDIAN_LOCAL_FRONT"] = front_address
    _preload_local_front(lib_dir)
    if "vnpy.trader.utility" not in sys.modules:
        # vn.py fixes its directory (~/.vntrader: settings, CTP flow files) when vnpy.trader is imported
        os.environ["HOME"] = tempfile.mkdtemp(prefix="shandian-bench-vnpy-")
    from vnpy.event import Event, EventEngine
    from vnpy.trader.constant import Exchange
    from vnpy.trader.event import EVENT_LOG, EVENT_TICK
    from vnpy.trader.object import SubscribeRequest
    from vnpy_ctp import CtpGateway
    from vnpy_ctp.gateway import ctp_gateway

    run = GatewayRun()
    done = threading.Event()
    arrivals, got = run.arrivals_ns, run.ticks
    clock = time.monotonic_ns

    def on_tick(event: Event) -> None:
        now = clock()
        tick = event.data
        arrivals.append(now)
        got.append((tick.symbol, int(tick.volume)))
        if len(got) >= expected:
            done.set()

    def on_log(event: Event) -> None:
        run.log.append(str(event.data.msg))

    engine = EventEngine()
    engine.register(EVENT_TICK, on_tick)
    engine.register(EVENT_LOG, on_log)
    engine.start()
    gateway = CtpGateway(engine, "CTP")
    t0 = time.monotonic()
    run.phases["setup_s"] = t0 - start
    try:
        gateway.connect({
            "用户名": credentials["user_id"], "密码": credentials["password"],
            "经纪商代码": credentials["broker_id"], "交易服务器": TD_ADDRESS, "行情服务器": MD_ADDRESS,
            "产品名称": credentials["app_id"], "授权编码": credentials["auth_code"], "柜台环境": "实盘",
        })
        deadline = time.monotonic() + timeout_s
        # Subscribe once the contracts are known and md is logged in, as a vn.py strategy does (MainEngine
        # looks the contract up first). Subscribing while md logs in can be lost: CtpMdApi.subscribe only
        # records the symbol when not logged in, and the login callback may already have re-subscribed.
        while not (gateway.td_api.contract_inited and gateway.md_api.login_status) \
                and time.monotonic() < deadline:
            time.sleep(0.005)
        for symbol in symbols:
            contract = ctp_gateway.symbol_contract_map.get(symbol)
            exchange = contract.exchange if contract is not None else Exchange.SHFE
            gateway.subscribe(SubscribeRequest(symbol=symbol, exchange=exchange))
        run.phases["subscribed_s"] = time.monotonic() - t0
        done.wait(max(deadline - time.monotonic(), 0.0))
        run.phases["delivered_s"] = time.monotonic() - t0
    finally:
        # vn.py's MainEngine.close order: the event engine first (its timer queries the trader API, which
        # must not run on a released API), then the gateway. Release() of the vendor APIs joins their
        # threads; bounded so a stuck API cannot hang the bench.
        t1 = time.monotonic()
        engine.stop()
        run.phases["event_engine_stop_s"] = time.monotonic() - t1
        # vnpy_ctp's exit() joins its task thread while holding the GIL: if that thread is about to deliver
        # a callback (a reply to the timer's last account/position query) it waits for the GIL forever.
        # With the EventEngine stopped nothing new is asked; let what is in flight be delivered first.
        time.sleep(QUIESCE_S)
        closer = threading.Thread(target=gateway.close, name="vnpy-close", daemon=True)
        closer.start()
        closer.join(CLOSE_TIMEOUT_S)
        run.phases["gateway_close_s"] = time.monotonic() - t1
    if closer.is_alive():
        run.log.append(f"CtpGateway.close() did not return within {CLOSE_TIMEOUT_S:g} s")
    run.phases["total_s"] = time.monotonic() - start
    return run
