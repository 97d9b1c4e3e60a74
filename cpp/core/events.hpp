// Fixed-size POD events: what the vendor threads copy CTP callbacks into, in place, inside pre-allocated
// ring slots (architecture.md, "Threads and data flow"). No pointers, no heap, trivially copyable, so a
// slot can be filled on the vendor thread and read in place on the engine thread.
//
// The payloads speak shandian's vocabulary (core/types.hpp), not CTP's char codes: the gateway's Spi
// translates while copying, so the engine and everything above it never includes a CTP header.
#pragma once

#include <chrono>
#include <cstdint>
#include <type_traits>

#include "core/fixed_string.hpp"
#include "core/types.hpp"
#include "queue/spsc_ring.hpp"

namespace shandian::core {

using InstrumentId = FixedString<32>;  // CTP InstrumentID is char[81] but every listed future fits in 31
using ExchangeId = FixedString<9>;
using OrderSysId = FixedString<21>;
using TradeId = FixedString<21>;
using Message = FixedString<128>;  // UTF-8 text converted from GBK (ErrorMsg/StatusMsg are char[81] GBK)

inline constexpr int kDepthLevels = 5;

enum class EventKind : std::uint8_t {
  None = 0,
  // ---- market data ring -------------------------------------------------------------------------------
  Tick,            // OnRtnDepthMarketData                                         payload: tick
  MdConnected,     // OnFrontConnected (md)
  MdDisconnected,  // OnFrontDisconnected (md); error_id = nReason
  MdLoggedIn,      // OnRspUserLogin (md)                                          payload: login / error
  MdSubscribed,    // OnRspSubMarketData                                           payload: subscription
  // ---- trader ring --------------------------------------------------------------------------------------
  TdConnected,          // OnFrontConnected (trader)
  TdDisconnected,       // OnFrontDisconnected (trader); error_id = nReason
  Authenticated,        // OnRspAuthenticate                                       payload: error
  LoggedIn,             // OnRspUserLogin                                          payload: login / error
  SettlementConfirmed,  // OnRspSettlementInfoConfirm                              payload: error
  OrderReport,          // OnRtnOrder, and OnRspQryOrder rows (from_query)          payload: order
  TradeReport,          // OnRtnTrade, and OnRspQryTrade rows (from_query)          payload: trade
  OrderInsertError,     // OnRspOrderInsert / OnErrRtnOrderInsert                   payload: insert_error
  OrderActionError,     // OnRspOrderAction / OnErrRtnOrderAction                   payload: action_error
  InstrumentRow,        // OnRspQryInstrument                                      payload: instrument
  MarginRateRow,        // OnRspQryInstrumentMarginRate                            payload: margin
  CommissionRateRow,    // OnRspQryInstrumentCommissionRate                        payload: commission
  PositionRow,          // OnRspQryInvestorPosition                                payload: position
  AccountRow,           // OnRspQryTradingAccount                                  payload: account
  RspError,             // OnRspError (e.g. 90 NEED_RETRY on a query)               payload: error
  InstrumentStatus,     // OnRtnInstrumentStatus                                   payload: status
};

struct TickData {
  InstrumentIndex instrument;  // kNoInstrument from the Spi; resolved on the engine thread
  std::uint32_t trading_day;   // YYYYMMDD
  std::uint32_t action_day;    // YYYYMMDD
  std::int32_t update_ms;      // milliseconds since midnight of UpdateTime + UpdateMillisec (exchange time)
  std::uint64_t subscribers;   // bit per agent; filled on the engine thread
  std::int64_t recv_ns;        // copy of the event's recv_ns, filled on the engine thread
  InstrumentId symbol;
  // Prices: CTP's DBL_MAX "no value" is stored as 0.0 (and the matching volume is 0).
  double last_price;
  double pre_settlement_price;
  double open_price;
  double highest_price;
  double lowest_price;
  double upper_limit_price;
  double lower_limit_price;
  double average_price;
  double turnover;
  double open_interest;
  std::int64_t volume;  // cumulative for the trading day
  double bid_price[kDepthLevels];
  double ask_price[kDepthLevels];
  std::int32_t bid_volume[kDepthLevels];
  std::int32_t ask_volume[kDepthLevels];
};

// The tick's exchange time of day (UpdateTime + UpdateMillisec), wrapped into [00:00, 24:00) so a counter
// that reports 24:00:00.000 or a negative offset still yields a valid clock time.
[[nodiscard]] constexpr std::chrono::hh_mm_ss<std::chrono::milliseconds> exchange_time_of_day(
    const TickData& tick) noexcept {
  constexpr std::int32_t kDayMs = 24 * 60 * 60 * 1000;
  return std::chrono::hh_mm_ss{std::chrono::milliseconds{((tick.update_ms % kDayMs) + kDayMs) % kDayMs}};
}

struct OrderData {
  InstrumentId symbol;
  ExchangeId exchange;
  OrderSysId order_sys_id;  // empty until the exchange accepts; compared exactly as received
  std::int32_t front_id;
  std::int32_t session_id;
  std::int64_t order_ref;  // numeric OrderRef (shandian always sends numeric refs)
  Direction direction;
  Offset offset;
  OrderKind kind;          // from OrderPriceType / TimeCondition / VolumeCondition (order_encoding.hpp's inverse)
  OrderStatus status;      // already mapped from OrderStatus + OrderSubmitStatus
  bool exchange_rejected;  // OrderSubmitStatus InsertRejected: status is Rejected
  double limit_price;
  std::int32_t volume_total_original;
  std::int32_t volume_traded;
  Message status_msg;
};

struct TradeData {
  InstrumentId symbol;
  ExchangeId exchange;
  TradeId trade_id;
  OrderSysId order_sys_id;
  std::int64_t order_ref;
  Direction direction;
  Offset offset;
  double price;
  std::int32_t volume;
  std::int32_t trade_ms;  // TradeTime as ms since midnight
  std::uint32_t trade_date;
};

struct InsertErrorData {
  InstrumentId symbol;
  std::int64_t order_ref;
  Message error_msg;
};

struct ActionErrorData {
  InstrumentId symbol;
  ExchangeId exchange;
  OrderSysId order_sys_id;
  std::int32_t front_id;
  std::int32_t session_id;
  std::int64_t order_ref;
  Message error_msg;
};

struct LoginData {
  std::int32_t front_id;
  std::int32_t session_id;
  std::int64_t max_order_ref;
  std::uint32_t trading_day;
};

struct InstrumentData {
  InstrumentId symbol;
  ExchangeId exchange;
  double price_tick;
  std::int32_t volume_multiple;
  std::int32_t max_limit_order_volume;
  std::int32_t min_limit_order_volume;
  std::uint8_t product_class;  // CTP ProductClass code ('1' futures, '2' options, ...)
  bool is_trading;
};

struct MarginData {
  InstrumentId symbol;
  double long_by_money;
  double long_by_volume;
  double short_by_money;
  double short_by_volume;
};

struct CommissionData {
  InstrumentId symbol;  // may be a product id (rows can be product-level)
  double open_by_money;
  double open_by_volume;
  double close_by_money;
  double close_by_volume;
  double close_today_by_money;
  double close_today_by_volume;
};

struct PositionData {
  InstrumentId symbol;
  bool is_long;
  bool is_today_row;  // PositionDate '1' (SHFE/INE split rows); other exchanges report one row
  std::int32_t position;
  std::int32_t today_position;
  std::int32_t yd_position;  // static intraday; current yd = position - today_position
  double position_cost;
  double use_margin;
  double pre_settlement_price;  // 0 when the row carries none
};

struct AccountData {
  double balance;
  double available;
  double current_margin;
  double frozen_margin;
  double frozen_commission;
  double commission;
  double close_profit;
  double position_profit;
};

struct StatusData {
  InstrumentId instrument_or_product;
  ExchangeId exchange;
  std::uint8_t status;  // CTP InstrumentStatus code
};

struct ErrorData {
  Message error_msg;
};

struct SubscriptionData {
  InstrumentId symbol;
  Message error_msg;
};

struct Event {
  // Tag for in-place construction: the vendor thread fills the slot directly (no temporary Event).
  struct Fill {};

  EventKind kind;
  bool from_query;  // a query row rather than a push (order/trade reports used for reconcile)
  bool has_row;     // query responses: false when the response carries no data row
  bool is_last;     // query responses: bIsLast
  std::int32_t request_id;
  std::int32_t error_id;  // RspInfo.ErrorID (0 = ok); disconnect reason for *Disconnected
  std::int64_t recv_ns;   // CLOCK_MONOTONIC at vendor callback entry
  union Payload {
    TickData tick;
    OrderData order;
    TradeData trade;
    InsertErrorData insert_error;
    ActionErrorData action_error;
    LoginData login;
    InstrumentData instrument;
    MarginData margin;
    CommissionData commission;
    PositionData position;
    AccountData account;
    StatusData status;
    ErrorData error;
    SubscriptionData subscription;
  } payload;

  Event() noexcept = default;
  // Stamps the header and lets `fill` write the payload in place. Only the fields `fill` touches are
  // written: copying the untouched rest of a ~400-byte slot would be wasted work on the vendor thread.
  template <class Filler>
  Event(Fill, EventKind event_kind, std::int64_t received_ns, Filler&& fill) noexcept
      : kind(event_kind),
        from_query(false),
        has_row(true),
        is_last(true),
        request_id(0),
        error_id(0),
        recv_ns(received_ns) {
    fill(*this);
  }
};

static_assert(std::is_trivially_copyable_v<Event>, "events cross threads as raw bytes");
static_assert(std::is_trivially_destructible_v<Event>);
static_assert(sizeof(Event) <= 512, "keep an event within eight cache lines");

using EventRing = queue::SpscRing<Event>;

}  // namespace shandian::core
