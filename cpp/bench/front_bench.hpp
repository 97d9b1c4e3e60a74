// Benchmarks of the local front through its CTP ABI (header-only; bound by pyext/bench/front.cpp):
//
//  * bench_front_ticks: generated snapshots pushed by the feed thread (speed=0: as fast as the consumer
//    drains, nothing dropped) through the md library's callback thread into a no-op C++ Spi (wait=yield:
//    on a 2-core machine a spinning consumer steals the producer's core).
//  * bench_front_insert_latency: ReqOrderInsert on the calling thread → the first OnRtnOrder on the
//    trader library's callback thread, one order at a time, in nanoseconds. wait=block (the default): its
//    ~50 us spin phase catches the next order; wait=spin needs a core per spinning thread, which a shared
//    2-core machine does not have.
//
// Both load the library pair from `lib_dir` with dlopen (shandian::ctp::LibraryPair), exactly as a CTP
// program would, and create a fresh front instance per call.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ThostFtdcMdApi.h"
#include "ThostFtdcTraderApi.h"
#include "ctp/library.hpp"

namespace shandian::bench {

struct FrontTickResult {
  std::uint64_t ticks = 0;
  double seconds = 0.0;
  double ticks_per_s = 0.0;
};

namespace front_detail {

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A private flow directory (the vendor ABI requires it to exist), removed by the destructor.
struct FlowDir {
  std::filesystem::path path;
  explicit FlowDir(const char* tag) {
    path = std::filesystem::temp_directory_path() /
           ("shandian-bench-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(now_ns()));
    std::filesystem::create_directories(path);
  }
  ~FlowDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  [[nodiscard]] std::string prefix(const char* sub) const {
    std::filesystem::create_directories(path / sub);
    return (path / sub).string() + "/";
  }
};

// Bounded spin-then-yield wait on an atomic condition (the benchmark thread, not a callback thread).
template <class Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (unsigned i = 0;; ++i) {
    if (pred()) return true;
    if ((i & 1023) == 1023) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::yield();
    }
  }
}

inline void copy(char* dst, std::size_t n, const char* src) {
  std::memset(dst, 0, n);
  const std::size_t len = std::strlen(src);
  std::memcpy(dst, src, len < n - 1 ? len : n - 1);
}

// The bundled instruments of trading day 20250102 (cpp/sim/feed/instrument_table.hpp).
inline constexpr const char* kInstruments[] = {"rb2505", "cu2502", "au2506", "IF2501", "m2505", "SR505"};

struct CountingMdSpi final : CThostFtdcMdSpi {
  // Written by the md callback thread, read by the benchmark thread. relaxed: counters only; no data is
  // published through them (the latest tick is read under acquire below).
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<int> state{0};  // 1 connected, 2 logged in (release/acquire: the login is complete)
  std::atomic<std::uint64_t> sub_responses{0};
  CThostFtdcDepthMarketDataField last{};
  std::atomic<bool> has_last{false};
  bool keep_last = false;

  void OnFrontConnected() override { state.store(1, std::memory_order_release); }
  void OnRspUserLogin(CThostFtdcRspUserLoginField*, CThostFtdcRspInfoField*, int, bool) override {
    state.store(2, std::memory_order_release);
  }
  void OnRspSubMarketData(CThostFtdcSpecificInstrumentField*, CThostFtdcRspInfoField*, int, bool) override {
    sub_responses.fetch_add(1, std::memory_order_relaxed);
  }
  void OnRtnDepthMarketData(CThostFtdcDepthMarketDataField* t) override {
    if (keep_last && !has_last.load(std::memory_order_relaxed)) {
      last = *t;
      has_last.store(true, std::memory_order_release);  // release: `last` is complete before the flag
    }
    ticks.fetch_add(1, std::memory_order_relaxed);
  }
};

inline CThostFtdcMdApi* md_session(const ctp::LibraryPair& libs, const FlowDir& flow, CountingMdSpi& spi,
                                   const std::string& address) {
  CThostFtdcMdApi* md = libs.create_md(flow.prefix("md").c_str());
  md->RegisterSpi(&spi);
  md->RegisterFront(const_cast<char*>(address.c_str()));
  md->Init();
  if (!wait_until([&] { return spi.state.load(std::memory_order_acquire) >= 1; }, std::chrono::seconds(10))) {
    md->Release();
    throw std::runtime_error("local front md: no OnFrontConnected from " + address);
  }
  CThostFtdcReqUserLoginField login{};
  if (md->ReqUserLogin(&login, 1) != 0 ||
      !wait_until([&] { return spi.state.load(std::memory_order_acquire) >= 2; }, std::chrono::seconds(10))) {
    md->Release();
    throw std::runtime_error("local front md: login failed on " + address);
  }
  return md;
}

}  // namespace front_detail

// Pushes `ticks` generated snapshots (6 bundled instruments, night + day session) through the md callback
// thread into a no-op Spi. One generated trading day holds ~275k snapshots, so larger counts run several
// rounds, each on a fresh front instance; the clock runs from SubscribeMarketData to the last tick
// delivered, summed over the rounds (instance start-up and teardown are not counted).
inline FrontTickResult bench_front_ticks(const std::string& lib_dir, std::uint64_t ticks) {
  using namespace front_detail;
  const ctp::LibraryPair libs(lib_dir);
  FrontTickResult r;
  std::int64_t total_ns = 0;
  while (r.ticks < ticks) {
    const FlowDir flow("ticks");
    const std::uint64_t want = ticks - r.ticks;
    const std::string address =
        "local://bench-ticks-" + std::to_string(::getpid()) + "-" + std::to_string(now_ns()) +
        "?speed=0&session=night&trading_day=20250102&wait=yield&max_ticks=" + std::to_string(want);
    CountingMdSpi spi;
    CThostFtdcMdApi* md = md_session(libs, flow, spi, address);
    std::vector<char*> ids;
    for (const char* id : kInstruments) ids.push_back(const_cast<char*>(id));
    const std::int64_t t0 = now_ns();
    if (md->SubscribeMarketData(ids.data(), static_cast<int>(ids.size())) != 0) {
      md->Release();
      throw std::runtime_error("local front md: SubscribeMarketData failed");
    }
    // The round ends when `want` ticks arrived, or when none arrived for 200 ms (the generated day is over).
    std::uint64_t seen = 0;
    std::int64_t last_progress = now_ns();
    std::int64_t t_last = t0;
    while (seen < want) {
      const std::uint64_t n = spi.ticks.load(std::memory_order_relaxed);
      const std::int64_t now = now_ns();
      if (n != seen) {
        seen = n;
        last_progress = now;
        t_last = now;
      } else if (now - last_progress > 200'000'000) {
        break;
      } else {
        // Poll gently: this thread must not take CPU from the two it measures (±1 ms on a >1 s run).
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    md->Release();
    if (seen == 0) break;  // nothing generated: avoid looping forever
    r.ticks += seen;
    total_ns += t_last - t0;
  }
  r.seconds = static_cast<double>(total_ns) / 1e9;
  r.ticks_per_s = r.seconds > 0 ? static_cast<double>(r.ticks) / r.seconds : 0.0;
  return r;
}

// Inserts `warmup + orders` resting limit orders one at a time (each waits for its first OnRtnOrder) and
// returns the `orders` measured latencies in ns: steady clock before ReqOrderInsert → inside the Spi's
// first OnRtnOrder of that OrderRef.
inline std::vector<std::int64_t> bench_front_insert_latency(const std::string& lib_dir, int orders, int warmup) {
  using namespace front_detail;
  const ctp::LibraryPair libs(lib_dir);
  const FlowDir flow("insert");
  const std::string address = "local://bench-insert-" + std::to_string(::getpid()) + "-" + std::to_string(now_ns()) +
                              "?speed=1&instruments=rb&trading_day=20250102&wait=block&query_interval_ms=0"
                              "&initial_balance=1000000000000";

  // One snapshot for the price limits, then the md API goes away.
  double price = 0;
  {
    CountingMdSpi md_spi;
    md_spi.keep_last = true;
    CThostFtdcMdApi* md = md_session(libs, flow, md_spi, address);
    char* ids[] = {const_cast<char*>("rb2505")};
    (void)md->SubscribeMarketData(ids, 1);
    const bool got =
        wait_until([&] { return md_spi.has_last.load(std::memory_order_acquire); }, std::chrono::seconds(10));
    md->Release();
    if (!got) throw std::runtime_error("local front: no rb2505 snapshot");
    const auto& t = md_spi.last;
    const double low =
        t.LowerLimitPrice > 0 && t.LowerLimitPrice < DBL_MAX / 2 ? t.LowerLimitPrice : t.LastPrice * 0.96;
    price = static_cast<double>(static_cast<long long>(low) + 1);  // rb tick = 1: rests far below the market
  }

  struct Spi final : CThostFtdcTraderSpi {
    std::atomic<int> stage{0};  // 1 connected, 2 authenticated, 3 logged in, 4 confirmed (release/acquire)
    std::atomic<int> max_order_ref{0};
    std::atomic<int> expected_ref{-1};
    std::int64_t first_rtn_ns = 0;  // published by the release store of seen_ref
    std::atomic<int> seen_ref{-1};  // the OrderRef whose first OnRtnOrder was stamped
    std::atomic<int> rejects{0};
    void OnFrontConnected() override { stage.store(1, std::memory_order_release); }
    void OnRspAuthenticate(CThostFtdcRspAuthenticateField*, CThostFtdcRspInfoField*, int, bool) override {
      stage.store(2, std::memory_order_release);
    }
    void OnRspUserLogin(CThostFtdcRspUserLoginField* f, CThostFtdcRspInfoField*, int, bool) override {
      max_order_ref.store(f ? std::atoi(f->MaxOrderRef) : 1, std::memory_order_relaxed);
      stage.store(3, std::memory_order_release);  // release: max_order_ref is visible after stage 3
    }
    void OnRspSettlementInfoConfirm(CThostFtdcSettlementInfoConfirmField*, CThostFtdcRspInfoField*, int,
                                    bool) override {
      stage.store(4, std::memory_order_release);
    }
    void OnRspOrderInsert(CThostFtdcInputOrderField*, CThostFtdcRspInfoField*, int, bool) override {
      rejects.fetch_add(1, std::memory_order_relaxed);  // relaxed: a counter
    }
    void OnRtnOrder(CThostFtdcOrderField* o) override {
      const std::int64_t now = now_ns();
      // relaxed: expected_ref is stored before the ReqOrderInsert whose pushes reach this thread through
      // the API's queue mutex; an older order's callbacks carry another ref and never match.
      const int ref = std::atoi(o->OrderRef);
      if (ref == expected_ref.load(std::memory_order_relaxed) && seen_ref.load(std::memory_order_relaxed) != ref) {
        first_rtn_ns = now;
        seen_ref.store(ref, std::memory_order_release);  // release: first_rtn_ns is visible with it
      }
    }
  } spi;

  CThostFtdcTraderApi* td = libs.create_trader(flow.prefix("td").c_str());
  td->RegisterSpi(&spi);
  td->SubscribePrivateTopic(THOST_TERT_QUICK);
  td->SubscribePublicTopic(THOST_TERT_NONE);
  td->RegisterFront(const_cast<char*>(address.c_str()));
  td->Init();
  auto stage_at_least = [&](int s) {
    return wait_until([&] { return spi.stage.load(std::memory_order_acquire) >= s; }, std::chrono::seconds(10));
  };
  bool ok = stage_at_least(1);
  CThostFtdcReqAuthenticateField auth{};
  copy(auth.BrokerID, sizeof auth.BrokerID, "9999");
  copy(auth.UserID, sizeof auth.UserID, "bench");
  ok = ok && td->ReqAuthenticate(&auth, 1) == 0 && stage_at_least(2);
  CThostFtdcReqUserLoginField login{};
  copy(login.BrokerID, sizeof login.BrokerID, "9999");
  copy(login.UserID, sizeof login.UserID, "bench");
  ok = ok && td->ReqUserLogin(&login, 2) == 0 && stage_at_least(3);
  CThostFtdcSettlementInfoConfirmField confirm{};
  copy(confirm.BrokerID, sizeof confirm.BrokerID, "9999");
  copy(confirm.InvestorID, sizeof confirm.InvestorID, "bench");
  ok = ok && td->ReqSettlementInfoConfirm(&confirm, 3) == 0 && stage_at_least(4);
  if (!ok) {
    td->Release();
    throw std::runtime_error("local front trader: session setup failed on " + address);
  }

  CThostFtdcInputOrderField o{};
  copy(o.BrokerID, sizeof o.BrokerID, "9999");
  copy(o.InvestorID, sizeof o.InvestorID, "bench");
  copy(o.UserID, sizeof o.UserID, "bench");
  copy(o.InstrumentID, sizeof o.InstrumentID, "rb2505");
  copy(o.ExchangeID, sizeof o.ExchangeID, "SHFE");
  o.OrderPriceType = THOST_FTDC_OPT_LimitPrice;
  o.Direction = THOST_FTDC_D_Buy;
  o.CombOffsetFlag[0] = THOST_FTDC_OF_Open;
  o.CombHedgeFlag[0] = THOST_FTDC_HF_Speculation;
  o.LimitPrice = price;
  o.VolumeTotalOriginal = 1;
  o.TimeCondition = THOST_FTDC_TC_GFD;
  o.VolumeCondition = THOST_FTDC_VC_AV;
  o.MinVolume = 1;
  o.ContingentCondition = THOST_FTDC_CC_Immediately;
  o.ForceCloseReason = THOST_FTDC_FCC_NotForceClose;

  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(orders > 0 ? orders : 0));
  int ref = std::max(1, spi.max_order_ref.load(std::memory_order_acquire));
  for (int i = 0; i < warmup + orders; ++i, ++ref) {
    const std::string ref_text = std::to_string(ref);
    copy(o.OrderRef, sizeof o.OrderRef, ref_text.c_str());
    spi.expected_ref.store(ref, std::memory_order_relaxed);
    const std::int64_t t0 = now_ns();
    if (td->ReqOrderInsert(&o, 100 + i) != 0 ||
        !wait_until([&] { return spi.seen_ref.load(std::memory_order_acquire) == ref; }, std::chrono::seconds(5))) {
      td->Release();
      throw std::runtime_error("local front trader: no OnRtnOrder for OrderRef " + ref_text +
                               " (rejects: " + std::to_string(spi.rejects.load()) + ")");
    }
    if (i >= warmup) out.push_back(spi.first_rtn_ns - t0);
  }
  td->Release();
  return out;
}

}  // namespace shandian::bench
