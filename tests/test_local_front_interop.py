"""Interop proof: a third-party CTP client runs unchanged against shandian's local front.

The client is the `openctp-ctp==6.7.11.0` SWIG package (its own wrapper, linked against its bundled copy
of the SFIT libraries). A subprocess LD_PRELOADs our `libthosttraderapi_se.so` / `libthostmduserapi_se.so`
so the vendor factories resolve to ours, registers plain `tcp://` fronts (an unmodified program's
addresses; SHANDIAN_LOCAL_FRONT points them at a local instance), runs connect → auth → login →
settlement confirm → subscribe + ticks → insert (fill) → insert (rest) → cancel, and prints what it
saw as JSON. Every wait in the client and here is bounded.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT_TIMEOUT_S = 120

CLIENT = r"""
import json, os, sys, threading, time
from openctp_ctp import mdapi, tdapi

WAIT = 30.0
out = {"errors": [], "md": {}, "td": {}}
flow = sys.argv[1]
instrument = "rb2505"


def fail(msg):
    out["errors"].append(msg)
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(2)


class Md(mdapi.CThostFtdcMdSpi):
    def __init__(self):
        super().__init__()
        self.connected = threading.Event()
        self.logged_in = threading.Event()
        self.subscribed = threading.Event()
        self.ticked = threading.Event()
        self.ticks = 0
        self.last = None
        self.exchange_ids = set()

    def OnFrontConnected(self):
        self.connected.set()

    def OnRspUserLogin(self, f, info, rid, last):
        out["md"]["login_error"] = info.ErrorID if info else 0
        out["md"]["trading_day"] = f.TradingDay if f else ""
        self.logged_in.set()

    def OnRspSubMarketData(self, f, info, rid, last):
        out["md"]["sub_instrument"] = f.InstrumentID
        out["md"]["sub_error"] = info.ErrorID if info else 0
        self.subscribed.set()

    def OnRtnDepthMarketData(self, t):
        self.ticks += 1
        self.exchange_ids.add(t.ExchangeID)
        self.last = {"instrument": t.InstrumentID, "ask": t.AskPrice1, "bid": t.BidPrice1,
                     "last": t.LastPrice,
                     "lower": t.LowerLimitPrice, "upper": t.UpperLimitPrice, "volume": t.Volume,
                     "update_time": t.UpdateTime}
        if self.ticks >= 3:
            self.ticked.set()


class Td(tdapi.CThostFtdcTraderSpi):
    def __init__(self):
        super().__init__()
        self.connected = threading.Event()
        self.authed = threading.Event()
        self.logged_in = threading.Event()
        self.confirmed = threading.Event()
        self.cond = threading.Condition()
        self.orders = []
        self.trades = []
        self.session = None

    def OnFrontConnected(self):
        self.connected.set()

    def OnFrontDisconnected(self, reason):
        out["td"].setdefault("disconnects", []).append(reason)

    def OnRspAuthenticate(self, f, info, rid, last):
        out["td"]["auth_error"] = info.ErrorID if info else 0
        self.authed.set()

    def OnRspUserLogin(self, f, info, rid, last):
        out["td"]["login_error"] = info.ErrorID if info else 0
        if f:
            self.session = (f.FrontID, f.SessionID, f.MaxOrderRef)
            out["td"]["front_id"], out["td"]["session_id"] = f.FrontID, f.SessionID
            out["td"]["max_order_ref"] = f.MaxOrderRef
            out["td"]["trading_day"] = f.TradingDay
        self.logged_in.set()

    def OnRspSettlementInfoConfirm(self, f, info, rid, last):
        out["td"]["confirm_error"] = info.ErrorID if info else 0
        self.confirmed.set()

    def OnRspOrderInsert(self, f, info, rid, last):
        err = [info.ErrorID, info.ErrorMsg] if info else [0, ""]
        out["td"].setdefault("insert_errors", []).append(err)

    def OnRtnOrder(self, o):
        with self.cond:
            self.orders.append({"ref": o.OrderRef, "status": o.OrderStatus, "sys_id": o.OrderSysID,
                                "traded": o.VolumeTraded, "msg": o.StatusMsg})
            self.cond.notify_all()

    def OnRtnTrade(self, t):
        with self.cond:
            self.trades.append({"ref": t.OrderRef, "price": t.Price, "volume": t.Volume,
                                "trade_id": t.TradeID})
            self.cond.notify_all()

    def wait_for(self, pred):
        with self.cond:
            return self.cond.wait_for(pred, timeout=WAIT)


out["md"]["version"] = mdapi.CThostFtdcMdApi.GetApiVersion()
out["td"]["version"] = tdapi.CThostFtdcTraderApi.GetApiVersion()

md_spi = Md()
md = mdapi.CThostFtdcMdApi.CreateFtdcMdApi(flow + "/md/")
md.RegisterSpi(md_spi)
md.RegisterFront("tcp://127.0.0.1:30011")
md.Init()
if not md_spi.connected.wait(WAIT): fail("md: no OnFrontConnected")
md.ReqUserLogin(mdapi.CThostFtdcReqUserLoginField(), 1)
if not md_spi.logged_in.wait(WAIT): fail("md: no OnRspUserLogin")
out["md"]["subscribe_rc"] = md.SubscribeMarketData([instrument.encode()], 1)
if not md_spi.subscribed.wait(WAIT): fail("md: no OnRspSubMarketData")
if not md_spi.ticked.wait(WAIT): fail("md: fewer than 3 ticks")
out["md"]["ticks"] = md_spi.ticks
out["md"]["exchange_ids"] = sorted(md_spi.exchange_ids)
tick = dict(md_spi.last)
out["md"]["last_tick"] = tick

td_spi = Td()
td = tdapi.CThostFtdcTraderApi.CreateFtdcTraderApi(flow + "/td/")
td.RegisterSpi(td_spi)
td.SubscribePrivateTopic(tdapi.THOST_TERT_QUICK)
td.SubscribePublicTopic(tdapi.THOST_TERT_QUICK)
td.RegisterFront("tcp://127.0.0.1:30001")
td.Init()
if not td_spi.connected.wait(WAIT): fail("td: no OnFrontConnected")
auth = tdapi.CThostFtdcReqAuthenticateField()
auth.BrokerID, auth.UserID, auth.AppID, auth.AuthCode = "9999", "000001", "client_test", "0000000000000000"
td.ReqAuthenticate(auth, 1)
if not td_spi.authed.wait(WAIT): fail("td: no OnRspAuthenticate")
login = tdapi.CThostFtdcReqUserLoginField()
login.BrokerID, login.UserID, login.Password = "9999", "000001", "secret"
td.ReqUserLogin(login, 2)
if not td_spi.logged_in.wait(WAIT): fail("td: no OnRspUserLogin")
confirm = tdapi.CThostFtdcSettlementInfoConfirmField()
confirm.BrokerID, confirm.InvestorID = "9999", "000001"
td.ReqSettlementInfoConfirm(confirm, 3)
if not td_spi.confirmed.wait(WAIT): fail("td: no OnRspSettlementInfoConfirm")
front_id, session_id, max_ref = td_spi.session
next_ref = max(1, int(max_ref or "1"))


def order(ref, price):
    o = tdapi.CThostFtdcInputOrderField()
    o.BrokerID, o.InvestorID, o.UserID = "9999", "000001", "000001"
    o.InstrumentID, o.ExchangeID, o.OrderRef = instrument, "SHFE", str(ref)
    o.OrderPriceType = tdapi.THOST_FTDC_OPT_LimitPrice
    o.Direction = tdapi.THOST_FTDC_D_Buy
    o.CombOffsetFlag = tdapi.THOST_FTDC_OF_Open
    o.CombHedgeFlag = tdapi.THOST_FTDC_HF_Speculation
    o.LimitPrice = price
    o.VolumeTotalOriginal = 1
    o.TimeCondition = tdapi.THOST_FTDC_TC_GFD
    o.VolumeCondition = tdapi.THOST_FTDC_VC_AV
    o.MinVolume = 1
    o.ContingentCondition = tdapi.THOST_FTDC_CC_Immediately
    o.ForceCloseReason = tdapi.THOST_FTDC_FCC_NotForceClose
    return o


big = 1e300
ask = tick["ask"] if tick["ask"] < big else tick["last"]
fill_ref, rest_ref = str(next_ref), str(next_ref + 1)
out["td"]["insert_rc"] = td.ReqOrderInsert(order(fill_ref, ask), 4)
if not td_spi.wait_for(lambda: any(t["ref"] == fill_ref for t in td_spi.trades)):
    fail("td: marketable order did not fill")
low = tick["lower"] if 0 < tick["lower"] < big else ask * 0.96
out["td"]["rest_rc"] = td.ReqOrderInsert(order(rest_ref, float(int(low) + 1)), 5)
if not td_spi.wait_for(lambda: any(o["ref"] == rest_ref and o["status"] == "3" for o in td_spi.orders)):
    fail("td: passive order did not rest")
action = tdapi.CThostFtdcInputOrderActionField()
action.BrokerID, action.InvestorID, action.UserID = "9999", "000001", "000001"
action.InstrumentID, action.ExchangeID, action.OrderRef = instrument, "SHFE", rest_ref
action.FrontID, action.SessionID = front_id, session_id
action.ActionFlag = tdapi.THOST_FTDC_AF_Delete
action.OrderActionRef = 1
out["td"]["cancel_rc"] = td.ReqOrderAction(action, 6)
if not td_spi.wait_for(lambda: any(o["ref"] == rest_ref and o["status"] == "5" for o in td_spi.orders)):
    fail("td: cancel not confirmed")
with td_spi.cond:
    out["td"]["orders"] = list(td_spi.orders)
    out["td"]["trades"] = list(td_spi.trades)
out["td"]["fill_ref"], out["td"]["rest_ref"] = fill_ref, rest_ref
td.Release()
md.Release()
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
"""


def local_library_dir() -> Path:
    override = os.environ.get("SHANDIAN_TEST_LOCAL_LIB_DIR")  # a build tree, for working on the libraries
    if override:
        return Path(override)
    from shandian.paths import library_dir

    return library_dir("local")


def gb18030_locale(tmp: Path) -> Path:
    """Build zh_CN.GB18030 in a private LOCPATH (openctp-ctp aborts at import without it)."""
    if shutil.which("localedef") is None:
        pytest.skip("localedef is not available to build the zh_CN.GB18030 locale openctp-ctp needs")
    locales = tmp / "locales"
    locales.mkdir()
    proc = subprocess.run(
        ["localedef", "-i", "zh_CN", "-f", "GB18030", str(locales / "zh_CN.GB18030")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if not (locales / "zh_CN.GB18030").is_dir():
        pytest.skip(f"cannot build zh_CN.GB18030 with localedef: {proc.stderr.strip()[-500:]}")
    return locales


def test_openctp_client_runs_unchanged_against_the_local_front(tmp_path: Path) -> None:
    # Not imported here: without the GB18030 locale the module aborts the process that imports it.
    if importlib.util.find_spec("openctp_ctp") is None:
        pytest.skip("openctp-ctp is not installed (it is in the test extra: pip install '.[test]')")
    libs = local_library_dir()
    trader, md = libs / "libthosttraderapi_se.so", libs / "libthostmduserapi_se.so"
    assert trader.is_file() and md.is_file(), f"local front libraries missing in {libs}"
    locpath = gb18030_locale(tmp_path)
    for sub in ("td", "md"):
        (tmp_path / "flow" / sub).mkdir(parents=True)
    script = tmp_path / "client.py"
    script.write_text(CLIENT, encoding="utf-8")
    env = dict(
        os.environ,
        LD_PRELOAD=f"{trader}:{md}",
        LOCPATH=str(locpath),
        SHANDIAN_LOCAL_FRONT="local://interop?instruments=rb&trading_day=20250102&speed=20&seed=3",
    )
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "flow")],
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_S,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, (
        f"client printed no report (rc={proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    seen = json.loads(lines[-1])
    assert proc.returncode == 0 and not seen["errors"], f"{seen}\n{proc.stderr[-3000:]}"

    # The factories the client called are ours (LD_PRELOAD wins over its bundled SFIT libraries).
    assert seen["td"]["version"].startswith("shandian local front"), seen["td"]["version"]
    assert seen["md"]["version"].startswith("shandian local front"), seen["md"]["version"]
    # md: login, one OnRspSubMarketData, ticks without ExchangeID (ordinary md front)
    md_seen = seen["md"]
    assert md_seen["login_error"] == 0 and md_seen["trading_day"] == "20250102"
    assert md_seen["subscribe_rc"] == 0 and md_seen["sub_error"] == 0
    assert md_seen["sub_instrument"] == "rb2505"
    assert md_seen["ticks"] >= 3 and md_seen["exchange_ids"] == [""]
    assert md_seen["last_tick"]["instrument"] == "rb2505" and md_seen["last_tick"]["volume"] > 0
    # trader: session, fill, rest, cancel
    td_seen = seen["td"]
    assert td_seen["auth_error"] == 0 and td_seen["login_error"] == 0 and td_seen["confirm_error"] == 0
    assert td_seen["trading_day"] == "20250102" and td_seen["front_id"] != 0
    assert td_seen["insert_rc"] == 0 and td_seen["rest_rc"] == 0 and td_seen["cancel_rc"] == 0
    fills = [t for t in td_seen["trades"] if t["ref"] == td_seen["fill_ref"]]
    assert sum(t["volume"] for t in fills) == 1
    fill_statuses = [o["status"] for o in td_seen["orders"] if o["ref"] == td_seen["fill_ref"]]
    assert fill_statuses[0] == "a" and fill_statuses[-1] == "0", fill_statuses
    rest_statuses = [o["status"] for o in td_seen["orders"] if o["ref"] == td_seen["rest_ref"]]
    assert rest_statuses[0] == "a" and "3" in rest_statuses and rest_statuses[-1] == "5", rest_statuses
    assert "disconnects" not in td_seen
