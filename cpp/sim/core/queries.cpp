// Query answers. Each answer is one message per row with is_last on the final one; an empty result is one
// message with has_body=false, is_last=true. Successful queries carry no RspInfo (null pRspInfo, as the
// vendor counter usually sends); a query before login gets one bodyless message with RspInfo 6.
//
// Position rows: aggregated by instrument × direction (hedge flag Speculation). SHFE/INE split each into a
// today row (PositionDate '1') and a history row ('2'); other exchanges return one row with PositionDate
// '1'. A row appears once it held volume today (so CloseProfit stays visible after a full close).
// LongFrozen/ShortFrozen follow the vendor's convention: the close volume frozen on a long row is
// ShortFrozen (a sell), on a short row LongFrozen.
#include <cstdio>
#include <set>
#include <string>

#include "sim/core/clock.hpp"
#include "sim/core/core_impl.hpp"
#include "sim/core/ctp_text.hpp"

namespace shandian::sim {

using detail::Investor;

namespace {

using Rows = std::vector<TraderMessage>;

// Templates only so the helpers need not name the private ExchangeCore::Impl.
template <class Im>
void answer(Im& im, int connection, TraderCallback kind, int request_id, Rows& rows) {
  if (rows.empty()) {
    TraderMessage m;
    m.kind = kind;
    m.request_id = request_id;
    m.has_body = false;
    m.is_last = true;
    im.deliver(connection, m);
    return;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].kind = kind;
    rows[i].request_id = request_id;
    rows[i].is_last = i + 1 == rows.size();
    im.deliver(connection, rows[i]);
  }
}

// Returns the investor of a logged-in connection, or answers "not logged in" and returns nullptr.
template <class Im>
Investor* investor_or_reject(Im& im, int connection, TraderCallback kind, int request_id) {
  if (im.logged_in(connection)) {
    return &im.investors[static_cast<std::size_t>(im.connections[static_cast<std::size_t>(connection)].investor)];
  }
  TraderMessage m = Im::rsp(kind, request_id, err::kNotLoggedIn);
  m.has_body = false;
  im.deliver(connection, m);
  return nullptr;
}

bool matches(std::string_view filter, std::string_view value) { return filter.empty() || filter == value; }

const char* exchange_name(std::string_view id) {
  if (id == "SHFE") return text::kNameSHFE;
  if (id == "DCE") return text::kNameDCE;
  if (id == "CZCE") return text::kNameCZCE;
  if (id == "CFFEX") return text::kNameCFFEX;
  if (id == "INE") return text::kNameINE;
  if (id == "GFEX") return text::kNameGFEX;
  return "";
}

// Delivery year/month from the id's trailing digits: YYMM, or CZCE's YMM with the decade of the trading day.
void delivery_of(const std::string& id, const std::string& trading_day, int& year, int& month) {
  std::size_t end = id.size();
  std::size_t start = end;
  while (start > 0 && id[start - 1] >= '0' && id[start - 1] <= '9') --start;
  const std::string digits = id.substr(start, end - start);
  year = 0;
  month = 0;
  const int td_year = trading_day.size() >= 4 ? std::stoi(trading_day.substr(0, 4)) : 2000;
  if (digits.size() == 4) {
    year = 2000 + std::stoi(digits.substr(0, 2));
    month = std::stoi(digits.substr(2, 2));
  } else if (digits.size() == 3) {
    year = td_year - td_year % 10 + (digits[0] - '0');
    if (year < td_year - 1) year += 10;
    month = std::stoi(digits.substr(1, 2));
  }
}

}  // namespace

int ExchangeCore::qry_settlement_info_confirm(int connection, const CThostFtdcQrySettlementInfoConfirmField&,
                                              int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQrySettlementInfoConfirm, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  if (inv->confirmed) {
    TraderMessage& m = rows.emplace_back();
    CThostFtdcSettlementInfoConfirmField& b = m.body.settlement_info_confirm;
    set_str(b.BrokerID, inv->broker_id);
    set_str(b.InvestorID, inv->investor_id);
    set_str(b.ConfirmDate, inv->confirm_date);
    set_str(b.ConfirmTime, inv->confirm_time);
    set_str(b.AccountID, inv->investor_id);
    set_str(b.CurrencyID, "CNY");
  }
  answer(im, connection, TraderCallback::RspQrySettlementInfoConfirm, request_id, rows);
  return 0;
}

int ExchangeCore::qry_settlement_info(int connection, const CThostFtdcQrySettlementInfoField&, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQrySettlementInfo, request_id);
  if (inv == nullptr) return 0;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "shandian local front - settlement statement\n"
                "Broker: %s  Investor: %s  TradingDay: %s\n"
                "Pre-balance: %.2f  Deposit: 0.00  Withdraw: 0.00\n"
                "No trades and no positions were settled by the local front for the previous day.\n",
                inv->broker_id.c_str(), inv->investor_id.c_str(), im.trading_day.c_str(), im.config.initial_balance);
  const std::string content = buf;
  Rows rows;
  constexpr std::size_t kChunk = sizeof(CThostFtdcSettlementInfoField::Content) - 1;
  for (std::size_t off = 0, seq = 1; off < content.size(); off += kChunk, ++seq) {
    TraderMessage& m = rows.emplace_back();
    CThostFtdcSettlementInfoField& b = m.body.settlement_info;
    set_str(b.TradingDay, im.trading_day);
    b.SettlementID = 1;
    set_str(b.BrokerID, inv->broker_id);
    set_str(b.InvestorID, inv->investor_id);
    b.SequenceNo = static_cast<int>(seq);
    set_str(b.Content, std::string_view(content).substr(off, kChunk));
    set_str(b.AccountID, inv->investor_id);
    set_str(b.CurrencyID, "CNY");
  }
  answer(im, connection, TraderCallback::RspQrySettlementInfo, request_id, rows);
  return 0;
}

int ExchangeCore::qry_instrument(int connection, const CThostFtdcQryInstrumentField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  if (investor_or_reject(im, connection, TraderCallback::RspQryInstrument, request_id) == nullptr) return 0;
  Rows rows;
  for (const InstrumentSpec& s : im.instruments) {
    if (!matches(str_of(q.InstrumentID), s.instrument_id) || !matches(str_of(q.ExchangeID), s.exchange_id) ||
        !matches(str_of(q.ProductID), s.product_id)) {
      continue;
    }
    TraderMessage& m = rows.emplace_back();
    CThostFtdcInstrumentField& b = m.body.instrument;
    set_str(b.ExchangeID, s.exchange_id);
    set_str(b.InstrumentName, s.instrument_id);
    b.ProductClass = THOST_FTDC_PC_Futures;
    int year = 0, month = 0;
    delivery_of(s.instrument_id, im.trading_day, year, month);
    b.DeliveryYear = year;
    b.DeliveryMonth = month;
    b.MaxMarketOrderVolume = s.max_market_order_volume;
    b.MinMarketOrderVolume = s.min_market_order_volume;
    b.MaxLimitOrderVolume = s.max_limit_order_volume;
    b.MinLimitOrderVolume = s.min_limit_order_volume;
    b.VolumeMultiple = s.volume_multiple;
    b.PriceTick = s.price_tick;
    if (year > 0) {
      char d[16];
      std::snprintf(d, sizeof d, "%04d%02d15", year % 10000, month % 100);
      set_str(b.ExpireDate, d);
      set_str(b.StartDelivDate, d);
      set_str(b.EndDelivDate, d);
      std::snprintf(d, sizeof d, "%04d%02d01", (year - 1) % 10000, month % 100);
      set_str(b.CreateDate, d);
      set_str(b.OpenDate, d);
    }
    b.InstLifePhase = THOST_FTDC_IP_Started;
    b.IsTrading = 1;
    b.PositionType = THOST_FTDC_PT_Gross;
    b.PositionDateType = detail::splits_today(s.exchange) ? THOST_FTDC_PDT_UseHistory : THOST_FTDC_PDT_NoUseHistory;
    b.LongMarginRatio = s.long_margin_ratio;
    b.ShortMarginRatio = s.short_margin_ratio;
    b.MaxMarginSideAlgorithm = THOST_FTDC_MMSA_NO;
    b.StrikePrice = 0.0;
    b.UnderlyingMultiple = 1.0;
    set_str(b.InstrumentID, s.instrument_id);
    set_str(b.ExchangeInstID, s.instrument_id);
    set_str(b.ProductID, s.product_id);
  }
  answer(im, connection, TraderCallback::RspQryInstrument, request_id, rows);
  return 0;
}

int ExchangeCore::qry_margin_rate(int connection, const CThostFtdcQryInstrumentMarginRateField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryInstrumentMarginRate, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  for (const InstrumentSpec& s : im.instruments) {
    if (!matches(str_of(q.InstrumentID), s.instrument_id) || !matches(str_of(q.ExchangeID), s.exchange_id)) continue;
    TraderMessage& m = rows.emplace_back();
    CThostFtdcInstrumentMarginRateField& b = m.body.margin_rate;
    b.InvestorRange = THOST_FTDC_IR_All;
    set_str(b.BrokerID, inv->broker_id);
    set_str(b.InvestorID, inv->investor_id);
    b.HedgeFlag = THOST_FTDC_HF_Speculation;
    b.LongMarginRatioByMoney = s.long_margin_ratio;
    b.ShortMarginRatioByMoney = s.short_margin_ratio;
    b.IsRelative = 0;
    set_str(b.ExchangeID, s.exchange_id);
    set_str(b.InstrumentID, s.instrument_id);
  }
  answer(im, connection, TraderCallback::RspQryInstrumentMarginRate, request_id, rows);
  return 0;
}

int ExchangeCore::qry_commission_rate(int connection, const CThostFtdcQryInstrumentCommissionRateField& q,
                                      int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryInstrumentCommissionRate, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  for (const InstrumentSpec& s : im.instruments) {
    if (!matches(str_of(q.InstrumentID), s.instrument_id) || !matches(str_of(q.ExchangeID), s.exchange_id)) continue;
    TraderMessage& m = rows.emplace_back();
    CThostFtdcInstrumentCommissionRateField& b = m.body.commission_rate;
    b.InvestorRange = THOST_FTDC_IR_All;
    set_str(b.BrokerID, inv->broker_id);
    set_str(b.InvestorID, inv->investor_id);
    b.OpenRatioByMoney = s.open_ratio_by_money;
    b.OpenRatioByVolume = s.open_ratio_by_volume;
    b.CloseRatioByMoney = s.close_ratio_by_money;
    b.CloseRatioByVolume = s.close_ratio_by_volume;
    b.CloseTodayRatioByMoney = s.close_today_ratio_by_money;
    b.CloseTodayRatioByVolume = s.close_today_ratio_by_volume;
    set_str(b.ExchangeID, s.exchange_id);
    b.BizType = THOST_FTDC_BZTP_Future;
    set_str(b.InstrumentID, s.instrument_id);
  }
  answer(im, connection, TraderCallback::RspQryInstrumentCommissionRate, request_id, rows);
  return 0;
}

int ExchangeCore::qry_position(int connection, const CThostFtdcQryInvestorPositionField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryInvestorPosition, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  for (std::size_t i = 0; i < im.instruments.size(); ++i) {
    const InstrumentSpec& s = im.instruments[i];
    if (!matches(str_of(q.InstrumentID), s.instrument_id) || !matches(str_of(q.ExchangeID), s.exchange_id)) continue;
    const double pre_settle = im.markets[i].has_tick && detail::has_value(im.markets[i].tick.PreSettlementPrice)
                                  ? im.markets[i].tick.PreSettlementPrice
                                  : s.reference_price;
    for (int d = 0; d < 2; ++d) {
      const detail::PositionSide& p = inv->positions[i * 2 + static_cast<std::size_t>(d)];
      const bool is_long = d == 0;
      // Frozen margin/commission of working open orders on this side.
      double frozen_margin = 0.0, frozen_fee = 0.0;
      for (int oid : inv->orders) {
        const detail::Order& o = im.orders[static_cast<std::size_t>(oid)];
        if (o.finished || o.instrument != static_cast<int>(i)) continue;
        const bool order_long = o.is_open ? o.buy : !o.buy;
        if (order_long != is_long) continue;
        frozen_margin += o.frozen_margin;
        frozen_fee += o.frozen_commission;
      }
      auto add_row = [&](int which, char date) {
        const detail::LotSum sum = detail::sum_lots(s, p, is_long, which);
        const double mark = im.mark_price(static_cast<int>(i), 0.0);
        TraderMessage& m = rows.emplace_back();
        CThostFtdcInvestorPositionField& b = m.body.position;
        set_str(b.BrokerID, inv->broker_id);
        set_str(b.InvestorID, inv->investor_id);
        b.PosiDirection = is_long ? THOST_FTDC_PD_Long : THOST_FTDC_PD_Short;
        b.HedgeFlag = THOST_FTDC_HF_Speculation;
        b.PositionDate = date;
        int frozen = 0;
        detail::RowStats st;
        if (which == 0 || which == 2) {
          frozen += p.frozen_yd;
          st.close_profit += p.stats[0].close_profit;
          st.commission += p.stats[0].commission;
          st.open_volume += p.stats[0].open_volume;
          st.close_volume += p.stats[0].close_volume;
          st.open_amount += p.stats[0].open_amount;
          st.close_amount += p.stats[0].close_amount;
        }
        if (which == 1 || which == 2) {
          frozen += p.frozen_today;
          st.close_profit += p.stats[1].close_profit;
          st.commission += p.stats[1].commission;
          st.open_volume += p.stats[1].open_volume;
          st.close_volume += p.stats[1].close_volume;
          st.open_amount += p.stats[1].open_amount;
          st.close_amount += p.stats[1].close_amount;
        }
        b.YdPosition = which == 1 ? 0 : p.yd_initial;
        b.Position = sum.volume;
        b.TodayPosition = which == 0 ? 0 : p.today_volume;
        (is_long ? b.ShortFrozen : b.LongFrozen) = frozen;
        b.OpenVolume = st.open_volume;
        b.CloseVolume = st.close_volume;
        b.OpenAmount = st.open_amount;
        b.CloseAmount = st.close_amount;
        b.PositionCost = sum.cost;
        b.OpenCost = sum.cost;
        b.UseMargin = sum.margin;
        b.ExchangeMargin = sum.margin;
        // Frozen money of working opens is shown on the today row (where the position will land).
        if (which != 0) {
          b.FrozenMargin = frozen_margin;
          b.FrozenCommission = frozen_fee;
        }
        b.Commission = st.commission;
        b.CloseProfit = st.close_profit;
        b.CloseProfitByDate = st.close_profit;
        b.CloseProfitByTrade = st.close_profit;
        b.PositionProfit = im.markets[i].has_last ? detail::lots_profit(s, p, is_long, mark, which) : 0.0;
        b.PreSettlementPrice = pre_settle;
        b.SettlementPrice = im.markets[i].has_last ? mark : pre_settle;
        set_str(b.TradingDay, im.trading_day);
        b.SettlementID = 1;
        b.MarginRateByMoney = is_long ? s.long_margin_ratio : s.short_margin_ratio;
        set_str(b.ExchangeID, s.exchange_id);
        set_str(b.InstrumentID, s.instrument_id);
      };
      if (detail::splits_today(s.exchange)) {
        if (p.touched[0] || p.yd_initial > 0) add_row(0, THOST_FTDC_PSD_History);
        if (p.touched[1]) add_row(1, THOST_FTDC_PSD_Today);
      } else if (p.touched[0] || p.touched[1] || p.yd_initial > 0) {
        add_row(2, THOST_FTDC_PSD_Today);
      }
    }
  }
  answer(im, connection, TraderCallback::RspQryInvestorPosition, request_id, rows);
  return 0;
}

int ExchangeCore::qry_position_detail(int connection, const CThostFtdcQryInvestorPositionDetailField& q,
                                      int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryInvestorPositionDetail, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  for (std::size_t i = 0; i < im.instruments.size(); ++i) {
    const InstrumentSpec& s = im.instruments[i];
    if (!matches(str_of(q.InstrumentID), s.instrument_id) || !matches(str_of(q.ExchangeID), s.exchange_id)) continue;
    for (int d = 0; d < 2; ++d) {
      const bool is_long = d == 0;
      for (const detail::Lot& l : inv->positions[i * 2 + static_cast<std::size_t>(d)].lots) {
        TraderMessage& m = rows.emplace_back();
        CThostFtdcInvestorPositionDetailField& b = m.body.position_detail;
        set_str(b.BrokerID, inv->broker_id);
        set_str(b.InvestorID, inv->investor_id);
        b.HedgeFlag = THOST_FTDC_HF_Speculation;
        b.Direction = is_long ? THOST_FTDC_D_Buy : THOST_FTDC_D_Sell;
        set_str(b.OpenDate, l.open_date);
        set_str(b.TradeID, l.trade_id);
        b.Volume = l.volume;
        b.OpenPrice = l.price;
        set_str(b.TradingDay, im.trading_day);
        b.SettlementID = 1;
        b.TradeType = THOST_FTDC_TRDT_Common;
        set_str(b.ExchangeID, s.exchange_id);
        const double mark = im.mark_price(static_cast<int>(i), l.price);
        const double profit = (mark - l.price) * s.volume_multiple * l.volume * (is_long ? 1.0 : -1.0);
        b.PositionProfitByDate = profit;
        b.PositionProfitByTrade = profit;
        b.Margin = detail::margin_of(s, is_long, l.price, l.volume);
        b.ExchMargin = b.Margin;
        b.MarginRateByMoney = is_long ? s.long_margin_ratio : s.short_margin_ratio;
        b.LastSettlementPrice = l.today ? s.reference_price : l.price;
        b.SettlementPrice = mark;
        set_str(b.InstrumentID, s.instrument_id);
      }
    }
  }
  answer(im, connection, TraderCallback::RspQryInvestorPositionDetail, request_id, rows);
  return 0;
}

int ExchangeCore::qry_trading_account(int connection, const CThostFtdcQryTradingAccountField&, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryTradingAccount, request_id);
  if (inv == nullptr) return 0;
  const detail::Account& a = inv->account;
  double position_profit = 0.0;
  for (std::size_t i = 0; i < im.instruments.size(); ++i) {
    if (!im.markets[i].has_last) continue;
    const double mark = im.instruments[i].from_ticks(im.markets[i].last_ticks);
    for (int d = 0; d < 2; ++d) {
      position_profit +=
          detail::lots_profit(im.instruments[i], inv->positions[i * 2 + static_cast<std::size_t>(d)], d == 0, mark, 2);
    }
  }
  Rows rows;
  TraderMessage& m = rows.emplace_back();
  CThostFtdcTradingAccountField& b = m.body.trading_account;
  set_str(b.BrokerID, inv->broker_id);
  set_str(b.AccountID, inv->investor_id);
  b.PreBalance = a.pre_balance;
  b.FrozenMargin = a.frozen_margin;
  b.FrozenCommission = a.frozen_commission;
  b.CurrMargin = a.curr_margin;
  b.ExchangeMargin = a.curr_margin;
  b.Commission = a.commission;
  b.CloseProfit = a.close_profit;
  b.PositionProfit = position_profit;
  b.Balance = a.pre_balance + a.close_profit + position_profit - a.commission;
  b.Available = im.available(*inv);
  b.WithdrawQuota = b.Available > 0.0 ? b.Available : 0.0;
  set_str(b.TradingDay, im.trading_day);
  b.SettlementID = 1;
  set_str(b.CurrencyID, "CNY");
  b.BizType = THOST_FTDC_BZTP_Future;
  answer(im, connection, TraderCallback::RspQryTradingAccount, request_id, rows);
  return 0;
}

int ExchangeCore::qry_order(int connection, const CThostFtdcQryOrderField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryOrder, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  for (int oid : inv->orders) {
    const CThostFtdcOrderField& f = im.orders[static_cast<std::size_t>(oid)].f;
    if (!matches(str_of(q.InstrumentID), str_of(f.InstrumentID)) ||
        !matches(str_of(q.ExchangeID), str_of(f.ExchangeID)) ||
        !matches(trim_spaces(str_of(q.OrderSysID)), trim_spaces(str_of(f.OrderSysID)))) {
      continue;
    }
    rows.emplace_back().body.order = f;
  }
  answer(im, connection, TraderCallback::RspQryOrder, request_id, rows);
  return 0;
}

int ExchangeCore::qry_trade(int connection, const CThostFtdcQryTradeField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryTrade, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  for (const CThostFtdcTradeField& t : inv->trades) {
    if (!matches(str_of(q.InstrumentID), str_of(t.InstrumentID)) ||
        !matches(str_of(q.ExchangeID), str_of(t.ExchangeID)) ||
        !matches(trim_spaces(str_of(q.TradeID)), trim_spaces(str_of(t.TradeID)))) {
      continue;
    }
    rows.emplace_back().body.trade = t;
  }
  answer(im, connection, TraderCallback::RspQryTrade, request_id, rows);
  return 0;
}

int ExchangeCore::qry_depth_market_data(int connection, const CThostFtdcQryDepthMarketDataField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  if (investor_or_reject(im, connection, TraderCallback::RspQryDepthMarketData, request_id) == nullptr) return 0;
  Rows rows;
  for (std::size_t i = 0; i < im.instruments.size(); ++i) {
    const InstrumentSpec& s = im.instruments[i];
    if (!im.markets[i].has_tick) continue;
    if (!matches(str_of(q.InstrumentID), s.instrument_id) || !matches(str_of(q.ExchangeID), s.exchange_id)) continue;
    TraderMessage& m = rows.emplace_back();
    m.body.depth_market_data = im.markets[i].tick;
    set_str(m.body.depth_market_data.ExchangeID, s.exchange_id);
  }
  answer(im, connection, TraderCallback::RspQryDepthMarketData, request_id, rows);
  return 0;
}

int ExchangeCore::qry_exchange(int connection, const CThostFtdcQryExchangeField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  if (investor_or_reject(im, connection, TraderCallback::RspQryExchange, request_id) == nullptr) return 0;
  Rows rows;
  std::set<std::string, std::less<>> seen;
  for (const InstrumentSpec& s : im.instruments) {
    if (!matches(str_of(q.ExchangeID), s.exchange_id) || !seen.insert(s.exchange_id).second) continue;
    TraderMessage& m = rows.emplace_back();
    set_str(m.body.exchange.ExchangeID, s.exchange_id);
    set_str(m.body.exchange.ExchangeName, exchange_name(s.exchange_id));
    m.body.exchange.ExchangeProperty = THOST_FTDC_EXP_Normal;
  }
  answer(im, connection, TraderCallback::RspQryExchange, request_id, rows);
  return 0;
}

int ExchangeCore::qry_product(int connection, const CThostFtdcQryProductField& q, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  if (investor_or_reject(im, connection, TraderCallback::RspQryProduct, request_id) == nullptr) return 0;
  Rows rows;
  std::set<std::string, std::less<>> seen;
  for (const InstrumentSpec& s : im.instruments) {
    if (!matches(str_of(q.ProductID), s.product_id) || !matches(str_of(q.ExchangeID), s.exchange_id)) continue;
    if (!seen.insert(s.exchange_id + '.' + s.product_id).second) continue;
    TraderMessage& m = rows.emplace_back();
    CThostFtdcProductField& b = m.body.product;
    set_str(b.ProductName, s.product_id);
    set_str(b.ExchangeID, s.exchange_id);
    b.ProductClass = THOST_FTDC_PC_Futures;
    b.VolumeMultiple = s.volume_multiple;
    b.PriceTick = s.price_tick;
    b.MaxMarketOrderVolume = s.max_market_order_volume;
    b.MinMarketOrderVolume = s.min_market_order_volume;
    b.MaxLimitOrderVolume = s.max_limit_order_volume;
    b.MinLimitOrderVolume = s.min_limit_order_volume;
    b.PositionType = THOST_FTDC_PT_Gross;
    b.PositionDateType = detail::splits_today(s.exchange) ? THOST_FTDC_PDT_UseHistory : THOST_FTDC_PDT_NoUseHistory;
    b.CloseDealType = THOST_FTDC_CDT_Normal;
    set_str(b.TradeCurrencyID, "CNY");
    b.MortgageFundUseRange = THOST_FTDC_MFUR_None;
    b.UnderlyingMultiple = 1.0;
    set_str(b.ProductID, s.product_id);
    set_str(b.ExchangeProductID, s.product_id);
  }
  answer(im, connection, TraderCallback::RspQryProduct, request_id, rows);
  return 0;
}

int ExchangeCore::qry_investor(int connection, const CThostFtdcQryInvestorField&, int request_id) {
  Impl& im = *impl_;
  if (im.conn(connection) == nullptr) return -1;
  Investor* inv = investor_or_reject(im, connection, TraderCallback::RspQryInvestor, request_id);
  if (inv == nullptr) return 0;
  Rows rows;
  TraderMessage& m = rows.emplace_back();
  CThostFtdcInvestorField& b = m.body.investor;
  set_str(b.InvestorID, inv->investor_id);
  set_str(b.BrokerID, inv->broker_id);
  set_str(b.InvestorGroupID, inv->investor_id);
  set_str(b.InvestorName, inv->investor_id);
  b.IdentifiedCardType = THOST_FTDC_ICT_IDCard;
  b.IsActive = 1;
  set_str(b.OpenDate, im.trading_day);
  set_str(b.CommModelID, "default");
  set_str(b.MarginModelID, "default");
  answer(im, connection, TraderCallback::RspQryInvestor, request_id, rows);
  return 0;
}

}  // namespace shandian::sim
