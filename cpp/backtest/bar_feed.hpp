// Bar-input mode: the data are bars (vn.py dbbardata, bar CSV/Parquet, or bars built from ticks by the
// streaming loaders), handed over as column chunks by pointer (no Python per bar). The backtest gateway
// replays each bar into the local front's matching core as a few synthetic depth snapshots and hands the bar
// itself to the engine (Engine::inject_bar), so orders, ledgers, risk and fees are the tick mode's; only
// the matching input differs. The rules (docs/backtest.md, "Bar-input mode"):
//  - An order sent after bar k-1 meets bar k's open first: the book shows bid = open - s, ask = open + s
//    (s = slippage_ticks x price tick) with ample volume. Market/FAK orders and limit orders marketable
//    there fill at open +- s (a limit buy never above its price); the rest of a FAK is cancelled.
//  - Then the bar's range is replayed as trades at its low and high (low first on an up bar, high first on
//    a down bar), with no displayed book: a resting buy at P fills at P when low < P (sell: high > P). At
//    P == low ("touch") it fills only with queue = "optimistic"; the conservative model leaves it resting.
//  - A limit order still resting when a later bar opens through it fills at its own price (the exchange's
//    resting-order price), not at that open.
//  - After the trading day's last bar of an instrument there is no next open: orders sent then find no
//    book (market/FAK cancelled, limits rest until the day's expiry).
#pragma once

#include <cstdint>
#include <functional>

namespace shandian::backtest {

struct BarColumns {
  std::size_t rows = 0;
  const std::int32_t* instrument = nullptr;  // index into the stream's symbols
  const std::int64_t* start_ms = nullptr;    // exchange-local clock, ms since the epoch
  const std::int64_t* end_ms = nullptr;
  const std::uint32_t* trading_day = nullptr;
  const double* open = nullptr;
  const double* high = nullptr;
  const double* low = nullptr;
  const double* close = nullptr;
  const std::int64_t* volume = nullptr;
  const double* turnover = nullptr;
  const double* open_interest = nullptr;
};

// Fills the next chunk's columns (valid until the next call); false at the end of the stream.
using PullBars = std::function<bool(BarColumns&)>;

}  // namespace shandian::backtest
