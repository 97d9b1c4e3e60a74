// The vendor-thread side of a session. Each callback stamps recv_ns (CLOCK_MONOTONIC) at entry, copies
// the fields the engine needs straight into a pre-allocated slot of its SPSC ring (Event::Fill: no
// temporary, no heap, no lock, no Python), notifies the engine's waiter and returns.
//
// Single producer: CTP runs all of one API's callbacks on that API's own worker thread (FAQ09 Q19; the
// local front does the same), so each Spi is the one producer of its ring.
//
// Full rings (the overflow policy, cpp/core/README.md):
//  * md: the tick is dropped and counted (ticks_dropped). A snapshot is superseded by the next one.
//  * trader: the callback waits (cpu_relax, then sched_yield) up to ring_full_wait for the engine to make
//    room, counting the stall; if the ring is still full the event is counted in lost_events and dropped.
//    The session sees the counter move on its next poll, reports RING_OVERFLOW and re-queries orders and
//    trades, which restores every lost status and trade (trades are de-duplicated by key). Nothing is
//    lost silently; the trader ring is sized (16 Ki events) so that this needs a stalled engine.
#pragma once

#include <atomic>
#include <cstdint>

#include "ThostFtdcMdApi.h"
#include "ThostFtdcTraderApi.h"
#include "core/clock.hpp"
#include "core/events.hpp"
#include "ctp/gbk.hpp"
#include "queue/wait_strategy.hpp"

namespace shandian::ctp {

// Counters written by the vendor thread and read by the engine thread. Relaxed throughout: they are
// monotonic statistics and carry no data; the lost-event counter only triggers a reconcile whose
// correctness comes from the queries, not from the counter's timing.
struct RingCounters {
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> full_stalls{0};  // pushes that found the ring full and had to wait
  std::atomic<std::uint64_t> lost{0};         // events dropped after the bounded wait (or ticks dropped)
};

class SpiBase {
 public:
  SpiBase(core::EventRing& ring, queue::Waiter& waiter, std::int64_t full_wait_ns, bool lossy) noexcept
      : ring_(ring), waiter_(waiter), full_wait_ns_(full_wait_ns), lossy_(lossy) {}

  [[nodiscard]] const RingCounters& counters() const noexcept { return counters_; }
  // Stamps recv_ns from `clock` (an event-time clock: backtests) instead of CLOCK_MONOTONIC. Before use.
  void set_clock(const std::int64_t* clock) noexcept { clock_ = clock; }

 protected:
  [[nodiscard]] std::int64_t now() const noexcept { return clock_ != nullptr ? *clock_ : core::monotonic_ns(); }

  // Constructs the event in the ring slot; `fill(Event&)` writes the payload.
  template <class Filler>
  void publish(core::EventKind kind, std::int64_t recv_ns, Filler&& fill) noexcept {
    if (!ring_.try_emplace(core::Event::Fill{}, kind, recv_ns, fill)) {
      if (!publish_slow(kind, recv_ns, fill)) return;
    }
    counters_.pushed.fetch_add(1, std::memory_order_relaxed);  // relaxed: statistic (see RingCounters)
    waiter_.notify();
  }

  template <class Filler>
  bool publish_slow(core::EventKind kind, std::int64_t recv_ns, Filler& fill) noexcept;

  // Rsp header helpers.
  static void set_rsp(core::Event& e, const CThostFtdcRspInfoField* info, int request_id, bool is_last) noexcept;

  GbkToUtf8 gbk_;  // this thread's converter

 private:
  core::EventRing& ring_;
  queue::Waiter& waiter_;
  std::int64_t full_wait_ns_;
  bool lossy_;
  const std::int64_t* clock_ = nullptr;
  RingCounters counters_;
};

class TraderSpi final : public CThostFtdcTraderSpi, public SpiBase {
 public:
  using SpiBase::SpiBase;

  void OnFrontConnected() override;
  void OnFrontDisconnected(int nReason) override;
  void OnRspAuthenticate(CThostFtdcRspAuthenticateField*, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                         bool bIsLast) override;
  void OnRspUserLogin(CThostFtdcRspUserLoginField* pRspUserLogin, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                      bool bIsLast) override;
  void OnRspSettlementInfoConfirm(CThostFtdcSettlementInfoConfirmField*, CThostFtdcRspInfoField* pRspInfo,
                                  int nRequestID, bool bIsLast) override;
  void OnRspOrderInsert(CThostFtdcInputOrderField* pInputOrder, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                        bool bIsLast) override;
  void OnErrRtnOrderInsert(CThostFtdcInputOrderField* pInputOrder, CThostFtdcRspInfoField* pRspInfo) override;
  void OnRspOrderAction(CThostFtdcInputOrderActionField* pInputOrderAction, CThostFtdcRspInfoField* pRspInfo,
                        int nRequestID, bool bIsLast) override;
  void OnErrRtnOrderAction(CThostFtdcOrderActionField* pOrderAction, CThostFtdcRspInfoField* pRspInfo) override;
  void OnRtnOrder(CThostFtdcOrderField* pOrder) override;
  void OnRtnTrade(CThostFtdcTradeField* pTrade) override;
  void OnRspQryOrder(CThostFtdcOrderField* pOrder, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                     bool bIsLast) override;
  void OnRspQryTrade(CThostFtdcTradeField* pTrade, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                     bool bIsLast) override;
  void OnRspQryInstrument(CThostFtdcInstrumentField* pInstrument, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                          bool bIsLast) override;
  void OnRspQryInstrumentMarginRate(CThostFtdcInstrumentMarginRateField* pRate, CThostFtdcRspInfoField* pRspInfo,
                                    int nRequestID, bool bIsLast) override;
  void OnRspQryInstrumentCommissionRate(CThostFtdcInstrumentCommissionRateField* pRate,
                                        CThostFtdcRspInfoField* pRspInfo, int nRequestID, bool bIsLast) override;
  void OnRspQryInvestorPosition(CThostFtdcInvestorPositionField* pPosition, CThostFtdcRspInfoField* pRspInfo,
                                int nRequestID, bool bIsLast) override;
  void OnRspQryTradingAccount(CThostFtdcTradingAccountField* pAccount, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                              bool bIsLast) override;
  void OnRspError(CThostFtdcRspInfoField* pRspInfo, int nRequestID, bool bIsLast) override;
  void OnRtnInstrumentStatus(CThostFtdcInstrumentStatusField* pStatus) override;

 private:
  void order_report(const CThostFtdcOrderField* order, core::Event& e) noexcept;
  void trade_report(const CThostFtdcTradeField* trade, core::Event& e) noexcept;
  void insert_error(const CThostFtdcInputOrderField* order, const CThostFtdcRspInfoField* info) noexcept;
};

class MdSpi final : public CThostFtdcMdSpi, public SpiBase {
 public:
  using SpiBase::SpiBase;

  void OnFrontConnected() override;
  void OnFrontDisconnected(int nReason) override;
  void OnRspUserLogin(CThostFtdcRspUserLoginField* pRspUserLogin, CThostFtdcRspInfoField* pRspInfo, int nRequestID,
                      bool bIsLast) override;
  void OnRspSubMarketData(CThostFtdcSpecificInstrumentField* pSpecificInstrument, CThostFtdcRspInfoField* pRspInfo,
                          int nRequestID, bool bIsLast) override;
  void OnRspError(CThostFtdcRspInfoField* pRspInfo, int nRequestID, bool bIsLast) override;
  void OnRtnDepthMarketData(CThostFtdcDepthMarketDataField* pDepthMarketData) override;
};

// ---- conversions (pure, unit-tested) --------------------------------------------------------------------
[[nodiscard]] std::uint32_t parse_yyyymmdd(const char* text) noexcept;
// "HH:MM:SS" + millis -> ms since midnight; -1 when malformed.
[[nodiscard]] std::int32_t parse_hhmmss_ms(const char* text, int millis) noexcept;
// OrderRef / numeric ids: leading spaces allowed (right-aligned space padding); -1 when not numeric.
[[nodiscard]] std::int64_t parse_ref(const char* text, std::size_t max_len) noexcept;
// CTP's DBL_MAX ("no value") and non-finite values -> 0.
[[nodiscard]] double sanitize_price(double price) noexcept;
[[nodiscard]] core::OrderStatus map_order_status(char ctp_status) noexcept;
[[nodiscard]] core::Offset map_offset(char ctp_offset) noexcept;
// An order's kind as order_encoding.hpp sends it: any price -> Market, IOC + all volume -> Fok, IOC -> Fak.
[[nodiscard]] core::OrderKind map_order_kind(char price_type, char time_condition, char volume_condition) noexcept;
[[nodiscard]] core::Direction map_direction(char ctp_direction) noexcept;

}  // namespace shandian::ctp
