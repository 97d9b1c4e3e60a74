// The local front's counter + exchange: sessions, auth/login/settlement gates, order validation with real
// CTP error ids, a price-time book per instrument matched against replayed snapshots, per-exchange
// callback sequences (ctp-semantics.md §2), positions and the trading account, private/public streams
// with per-trading-day sequence numbers, and query answers.
//
// Threading: ExchangeCore is single-threaded and deterministic. The trader/md libraries (cpp/sim/api)
// serialise every call behind the front instance's mutex; backtests drive it in-thread. Outputs are pushed
// into the TraderSink of the connection they belong to (a sink must only enqueue: it runs under the lock).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ThostFtdcUserApiDataType.h"
#include "ThostFtdcUserApiStruct.h"
#include "sim/core/front_config.hpp"
#include "sim/core/trader_message.hpp"
#include "sim/feed/feed_event.hpp"
#include "sim/feed/instrument.hpp"

namespace shandian::sim {

// Resume types of SubscribePrivateTopic / SubscribePublicTopic (THOST_TE_RESUME_TYPE values).
enum class ResumeType : std::uint8_t { Restart = 0, Resume = 1, Quick = 2, None = 3 };

struct StreamSubscription {
  ResumeType type = ResumeType::Restart;
  int last_seq = 0;  // RESUME: highest sequence number this client already processed (from its flow dir)
};

class TraderSink {
 public:
  virtual ~TraderSink() = default;
  virtual void push(const TraderMessage& message) = 0;
};

class ExchangeCore {
 public:
  ExchangeCore(FrontConfig config, std::vector<InstrumentSpec> instruments, std::string trading_day);
  ~ExchangeCore();
  ExchangeCore(const ExchangeCore&) = delete;
  ExchangeCore& operator=(const ExchangeCore&) = delete;

  // --- connection lifecycle ------------------------------------------------------------------------
  // A trader API connected: returns a connection id and pushes FrontConnected to `sink`.
  [[nodiscard]] int connect(TraderSink& sink, StreamSubscription private_topic, StreamSubscription public_topic);
  // The connection dropped (fault injection or Release): pushes FrontDisconnected(reason) unless reason
  // is 0 (a clean Release). Its session ends; working orders stay in the book (as at a real counter).
  void disconnect(int connection, int reason);

  // --- requests: each returns what the Req* call returns (0 accepted, -3 rate-limited), and pushes its
  // responses and pushes into the sinks.
  [[nodiscard]] int authenticate(int connection, const CThostFtdcReqAuthenticateField& req, int request_id);
  [[nodiscard]] int login(int connection, const CThostFtdcReqUserLoginField& req, int request_id);
  [[nodiscard]] int logout(int connection, const CThostFtdcUserLogoutField& req, int request_id);
  [[nodiscard]] int confirm_settlement(int connection, const CThostFtdcSettlementInfoConfirmField& req, int request_id);
  [[nodiscard]] int insert_order(int connection, const CThostFtdcInputOrderField& req, int request_id);
  [[nodiscard]] int order_action(int connection, const CThostFtdcInputOrderActionField& req, int request_id);

  // Queries (flow control -2 / 90 is applied by the trader library before these are called).
  [[nodiscard]] int qry_settlement_info_confirm(int connection, const CThostFtdcQrySettlementInfoConfirmField&,
                                                int request_id);
  [[nodiscard]] int qry_settlement_info(int connection, const CThostFtdcQrySettlementInfoField&, int request_id);
  [[nodiscard]] int qry_instrument(int connection, const CThostFtdcQryInstrumentField&, int request_id);
  [[nodiscard]] int qry_margin_rate(int connection, const CThostFtdcQryInstrumentMarginRateField&, int request_id);
  [[nodiscard]] int qry_commission_rate(int connection, const CThostFtdcQryInstrumentCommissionRateField&,
                                        int request_id);
  [[nodiscard]] int qry_position(int connection, const CThostFtdcQryInvestorPositionField&, int request_id);
  [[nodiscard]] int qry_position_detail(int connection, const CThostFtdcQryInvestorPositionDetailField&,
                                        int request_id);
  [[nodiscard]] int qry_trading_account(int connection, const CThostFtdcQryTradingAccountField&, int request_id);
  [[nodiscard]] int qry_order(int connection, const CThostFtdcQryOrderField&, int request_id);
  [[nodiscard]] int qry_trade(int connection, const CThostFtdcQryTradeField&, int request_id);
  [[nodiscard]] int qry_depth_market_data(int connection, const CThostFtdcQryDepthMarketDataField&, int request_id);
  [[nodiscard]] int qry_exchange(int connection, const CThostFtdcQryExchangeField&, int request_id);
  [[nodiscard]] int qry_product(int connection, const CThostFtdcQryProductField&, int request_id);
  [[nodiscard]] int qry_investor(int connection, const CThostFtdcQryInvestorField&, int request_id);

  // --- market side -------------------------------------------------------------------------------
  // A snapshot or status change from the feed: first carries out the delayed inserts and cancels due by
  // its time (exchange_delay_ms), then updates the instrument's market state and clock, fills resting
  // orders the new market crosses, and pushes instrument status on the public stream.
  void on_feed_event(const FeedEvent& event);
  // Moves the exchange clock forward (never back) without a market event, e.g. from the paced replay clock
  // while the feed is idle or exhausted, so time-based gates (the 116 order-rate window) keep working, and
  // inserts and cancels delayed by exchange_delay_ms arrive. Additive to the original contract.
  void advance_clock(std::int64_t exchange_ns);
  // Settles the day and starts `next_day` (YYYYMMDD): working orders expire, positions become yesterday's
  // at the settlement price, the account settles, per-day streams restart, trader connections drop.
  // Additive (day_roll.cpp); the front calls it when a `days` > 1 feed runs past the day's end.
  void roll_trading_day(const std::string& next_day);

  // --- introspection (tests, the md library, reports) ------------------------------------------------
  [[nodiscard]] const std::vector<InstrumentSpec>& instruments() const noexcept;
  [[nodiscard]] int instrument_index(const char* instrument_id) const noexcept;  // -1 when unknown
  [[nodiscard]] const std::string& trading_day() const noexcept;
  // The last sequence numbers of the private stream of the connection's investor and of the public stream,
  // now. False (and `out` untouched) when the connection is not logged in.
  struct StreamPositions {
    int private_seq = 0;
    int public_seq = 0;
  };
  [[nodiscard]] bool stream_positions(int connection, StreamPositions& out) const noexcept;
  [[nodiscard]] std::int64_t now_exchange_ns() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shandian::sim
