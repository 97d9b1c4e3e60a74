#include "core/order_lab.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace shandian::core {
namespace {

// The scripted counter: rings the lab fills, every request recorded.
class LabGateway final : public Gateway {
 public:
  EventRing ring{8192};
  EventRing* rings_[1] = {&ring};
  GatewayHost* host = nullptr;
  std::vector<Order> inserts;  // copies of the orders as written
  std::size_t cancels = 0;
  std::map<AgentId, std::uint32_t> cancels_by_agent;
  std::size_t queries = 0;
  std::int64_t next_ref = 1;

  void attach(GatewayHost& h, queue::Waiter&) override { host = &h; }
  std::span<EventRing* const> rings() noexcept override { return {rings_, 1}; }
  void start() override {}
  void on_event(const Event&) noexcept override {}
  std::int64_t poll(std::int64_t now_ns) noexcept override { return now_ns + 1'000'000'000; }
  bool trading_ready() const noexcept override { return true; }
  void prepare_insert(Order& order) noexcept override {
    order.front_id = 1;
    order.session_id = 9;
    order.order_ref = next_ref++;
  }
  int write_insert(const Order& order) noexcept override {
    inserts.push_back(order);
    return 0;
  }
  int write_cancel(const Order& order) noexcept override {
    ++cancels;
    ++cancels_by_agent[order.agent];
    return 0;
  }
  bool request_order_query() noexcept override {
    ++queries;
    return true;
  }
  void want_market_data(InstrumentIndex) noexcept override {}
  void stop() noexcept override {}
};

struct Model {  // independent per-agent position from the trades delivered (long, short lots)
  std::int64_t lots[2] = {0, 0};
};

// What the agents were sent about one order: the most traded lots reported, the lots of its trades.
struct Delivered {
  AgentId agent = kNoAgent;
  InstrumentIndex instrument = kNoInstrument;
  Direction direction = Direction::Buy;
  std::int32_t reported = 0;
  std::int32_t booked = 0;
  RejectCode last_code = RejectCode::None;
};

// An agent's counters rebuilt from what it was sent and what its actions returned.
struct Counts {
  std::uint32_t fills = 0;
  std::uint32_t filled_lots = 0;
  std::map<RejectCode, std::uint32_t> refusals;
};

bool cancel_race(RejectCode code) {
  return code == RejectCode::UnknownOrder || code == RejectCode::AlreadyFinal || code == RejectCode::CancelPending;
}

bool close_to(double x, double y) { return std::fabs(x - y) <= 1e-6 * std::max(1.0, std::fabs(y)); }

}  // namespace

struct OrderLab::Impl final : AgentDispatcher {
  struct LabOrder {
    Order sent;  // as written to the counter
    bool acked = false;
    bool done = false;     // final at the exchange
    bool refused = false;  // insert refused: no more callbacks
    std::int32_t exch_traded = 0;
    std::int32_t trade_seq = 0;
    char sys_id[21] = {};
  };

  LabConfig config;
  LabGateway gw;
  Engine engine;
  std::vector<AgentId> agents;
  InstrumentIndex instruments[2] = {kNoInstrument, kNoInstrument};
  std::vector<LabOrder> orders;
  std::vector<Event> history;
  std::vector<std::pair<AgentId, ConditionalId>> conditionals;
  std::map<OrderId, OrderStatus> last_status;
  std::map<std::pair<AgentId, InstrumentIndex>, Model> model;
  std::map<OrderId, Delivered> delivered;
  std::map<AgentId, Counts> counts;
  std::int64_t foreign_lots[2][2] = {};  // instrument x (long, short) opened by foreign trades
  std::int64_t counter_lots[2][2] = {};  // instrument x (long, short): the counter's position (every fill)
  std::int64_t t = 1'000;
  std::int32_t foreign_seq = 0;
  std::uint32_t trading_day = 20250102;
  std::map<AgentId, std::int64_t> lots_traded;  // per agent, every day: the fees they must have cost
  std::map<AgentId, double> fees_before_today;  // per agent: commission booked on earlier days
  std::vector<std::string>* violations = nullptr;

  static EngineConfig engine_config(const LabConfig& c) {
    EngineConfig e;
    e.orders.live_orders = c.live_orders;
    e.orders.orders_per_day = c.live_orders * 8;
    e.orders.trades_per_day = c.live_orders * 32;
    e.max_instruments = 16;
    e.max_agents = c.agents;
    e.max_positions = 64;
    e.max_events_per_batch = 256;
    e.ack_timeout_ns = INT64_MAX / 4;  // the lab drives time-independent flows
    e.cancel_timeout_ns = INT64_MAX / 4;
    return e;
  }

  explicit Impl(const LabConfig& c) : config(c), engine(engine_config(c), gw) {
    engine.set_dispatcher(this);
    for (std::size_t i = 0; i < c.agents; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "lab%zu", i);
      agents.push_back(engine.add_agent(name));
      engine.set_allocation(agents.back(), 1e7);  // finite funds: the roll's balance check compares them
    }
    const char* symbols[2] = {"rb2505", "m2505"};
    const char* exchanges[2] = {"SHFE", "DCE"};
    for (int i = 0; i < 2; ++i) {
      InstrumentSpec spec;
      spec.symbol.assign(symbols[i]);
      spec.exchange.assign(exchanges[i]);
      spec.price_tick = 1.0;
      spec.volume_multiple = 10;
      spec.max_limit_order_volume = 7;  // small: place() splits often
      spec.min_limit_order_volume = 1;
      instruments[i] = *gw.host->instruments().upsert(spec);
      InstrumentState& st = gw.host->instruments().at(instruments[i]);
      if (c.margin_by_money > 0) {
        st.margin = MarginRates{c.margin_by_money, 0, c.margin_by_money, 0, true};
      }
      if (c.commission_by_volume > 0) {
        st.commission =
            CommissionRates{0, c.commission_by_volume, 0, c.commission_by_volume, 0, c.commission_by_volume, true};
      }
    }
    gw.host->instruments_loaded();
    gw.host->trading_day(trading_day);
    gw.host->set_account(AccountData{1e6, 1e6, 0, 0, 0, 0, 0, 0});  // the live account's anchor
  }

  void fail(const std::string& what) {
    if (violations != nullptr && violations->size() < 64) violations->push_back(what);
  }

  // ---- what agents see --------------------------------------------------------------------------------
  void on_batch(const Batch& batch) override {
    for (const BatchItem& item : batch.sequence) {
      if (item.kind == BatchItemKind::Order) on_order(batch.orders[item.index]);
      if (item.kind == BatchItemKind::Trade) on_trade(batch.trades[item.index]);
    }
  }
  void on_order(const OrderUpdate& u) {
    if (u.agent == kNoAgent) return;
    if (u.traded > u.volume)
      fail("order " + std::to_string(u.id) + ": traded " + std::to_string(u.traded) + " > volume " +
           std::to_string(u.volume));
    auto it = last_status.find(u.id);
    if (it != last_status.end() && is_final(it->second) && u.status != it->second) {
      const bool edge = it->second == OrderStatus::Rejected && u.status == OrderStatus::Cancelled;
      if (!edge) {
        fail("order " + std::to_string(u.id) + ": final " + std::string(to_string(it->second)) + " became " +
             std::string(to_string(u.status)));
      }
    }
    last_status[u.id] = u.status;
    if (u.id == kNoOrder) return;
    Delivered& d = delivered[u.id];
    d.agent = u.agent;
    d.instrument = u.instrument;
    d.direction = u.direction;
    d.reported = std::max(d.reported, u.traded);
    // A refusal is one update recording it: a new code, or a refused cancel (never kept on the order).
    if (u.reject_code != RejectCode::None &&
        (u.reject_code != d.last_code || u.reject_code == RejectCode::CancelRejected)) {
      ++counts[u.agent].refusals[u.reject_code];
    }
    if (u.reject_code != RejectCode::CancelRejected) d.last_code = u.reject_code;
    check_unbooked(u.agent, u.instrument, u.position);
  }
  // An action of the agent refused before any order existed: counted once (cancel races are not refusals).
  void refused_action(AgentId agent, RejectCode code, bool created, bool is_cancel) {
    if (code == RejectCode::None || created || (is_cancel && cancel_race(code))) return;
    ++counts[agent].refusals[code];
  }
  // The unbooked lots published with an update == those of the orders' updates and trades delivered so far.
  void check_unbooked(AgentId agent, InstrumentIndex instrument, const PositionView& v) {
    std::int32_t want[2] = {0, 0};
    for (const auto& [id, d] : delivered) {
      if (d.agent == agent && d.instrument == instrument)
        want[d.direction == Direction::Buy ? 0 : 1] += std::max(0, d.reported - d.booked);
    }
    if (v.unbooked_buy != want[0] || v.unbooked_sell != want[1]) {
      fail("agent " + std::to_string(agent) + " unbooked buy/sell " + std::to_string(v.unbooked_buy) + "/" +
           std::to_string(v.unbooked_sell) + " published, " + std::to_string(want[0]) + "/" + std::to_string(want[1]) +
           " reported traded and not delivered as trades");
    }
  }
  void on_trade(const TradeUpdate& tr) {
    if (tr.agent == kNoAgent) return;
    lots_traded[tr.agent] += tr.volume;
    Counts& c = counts[tr.agent];
    ++c.fills;
    c.filled_lots += static_cast<std::uint32_t>(tr.volume);
    if (tr.order != kNoOrder) {
      Delivered& d = delivered[tr.order];
      d.agent = tr.agent;
      d.instrument = tr.instrument;
      d.direction = tr.direction;
      d.booked += tr.volume;
    }
    check_unbooked(tr.agent, tr.instrument, tr.position);
    Model& m = model[{tr.agent, tr.instrument}];
    if (tr.offset == Offset::Open) {
      m.lots[tr.direction == Direction::Buy ? 0 : 1] += tr.volume;
    } else {
      m.lots[tr.direction == Direction::Sell ? 0 : 1] -= tr.volume;
    }
    const PositionView& v = tr.position;  // the view published with the trade matches the model
    if (v.long_today + v.long_yd != m.lots[0] || v.short_today + v.short_yd != m.lots[1]) {
      fail("trade view of agent " + std::to_string(tr.agent) + " is L" + std::to_string(v.long_today + v.long_yd) +
           " S" + std::to_string(v.short_today + v.short_yd) + ", model L" + std::to_string(m.lots[0]) + " S" +
           std::to_string(m.lots[1]));
    }
  }

  // ---- the counter ----------------------------------------------------------------------------------------
  void push(const Event& e) {
    history.push_back(e);
    if (!gw.ring.try_push(e)) fail("lab ring full");
  }
  Event base(EventKind kind) {
    Event e{};
    e.kind = kind;
    e.has_row = true;
    e.is_last = true;
    e.recv_ns = ++t;
    return e;
  }
  void push_report(LabOrder& o, OrderStatus status, bool exchange_rejected = false) {
    Event e = base(EventKind::OrderReport);
    OrderData& d = e.payload.order;
    d.symbol = o.sent.symbol;
    d.exchange = o.sent.exchange;
    d.order_sys_id.assign(o.sys_id);
    d.front_id = o.sent.front_id;
    d.session_id = o.sent.session_id;
    d.order_ref = o.sent.order_ref;
    d.direction = o.sent.direction;
    d.offset = o.sent.offset;
    d.status = status;
    d.exchange_rejected = exchange_rejected;
    d.limit_price = o.sent.price;
    d.volume_total_original = o.sent.volume;
    d.volume_traded = o.exch_traded;
    push(e);
  }
  void push_trade(LabOrder& o, std::int32_t lots, std::size_t index) {
    Event e = base(EventKind::TradeReport);
    TradeData& d = e.payload.trade;
    d.symbol = o.sent.symbol;
    d.exchange = o.sent.exchange;
    char id[48];
    std::snprintf(id, sizeof id, "T%zu_%d", index, ++o.trade_seq);
    d.trade_id.assign(id);
    d.order_sys_id.assign(o.sys_id);
    d.order_ref = o.sent.order_ref;
    d.direction = o.sent.direction;
    d.offset = o.sent.offset;
    d.price = o.sent.price;
    d.volume = lots;
    push(e);
  }
  void pump() {
    for (int i = 0; i < 4; ++i) engine.run_once(0);
  }

  void sync_orders() {
    for (std::size_t i = orders.size(); i < gw.inserts.size(); ++i) {
      LabOrder o;
      o.sent = gw.inserts[i];
      char sys[32];
      std::snprintf(sys, sizeof sys, "S%zu", i % 1'000'000'000U);
      std::memcpy(o.sys_id, sys, sizeof o.sys_id - 1);
      orders.push_back(o);
    }
  }

  LabOrder* pick(std::int32_t a, std::size_t& index) {
    if (orders.empty()) return nullptr;
    index = static_cast<std::size_t>(a < 0 ? -static_cast<std::int64_t>(a) : a) % orders.size();
    return &orders[index];
  }

  bool fill(std::int32_t a, std::int32_t b, bool trade_first) {
    std::size_t index = 0;
    LabOrder* o = pick(a, index);
    if (o == nullptr || !o->acked || o->done || o->refused) return false;
    const std::int32_t left = o->sent.volume - o->exch_traded;
    const std::int32_t lots = std::max(1, std::min(left, b <= 0 ? 1 : b));
    o->exch_traded += lots;
    const OrderStatus status = o->exch_traded == o->sent.volume ? OrderStatus::Filled : OrderStatus::PartFilled;
    if (status == OrderStatus::Filled) o->done = true;
    const std::size_t k = o->sent.instrument == instruments[0] ? 0 : 1;
    const bool buy = o->sent.direction == Direction::Buy;
    if (o->sent.offset == Offset::Open) {
      counter_lots[k][buy ? 0 : 1] += lots;
    } else {
      counter_lots[k][buy ? 1 : 0] -= lots;  // a buy closes short lots, a sell long ones
    }
    if (trade_first) push_trade(*o, lots, index);
    push_report(*o, status);
    if (!trade_first) push_trade(*o, lots, index);
    return true;
  }

  bool step(LabAction action, std::uint32_t agent_index, std::uint32_t instr, std::int32_t a, std::int32_t b) {
    const AgentId agent = agents[agent_index % agents.size()];
    const InstrumentIndex instrument = instruments[instr % 2];
    switch (action) {
      case LabAction::Place: {
        const Direction dir = (a & 1) != 0 ? Direction::Sell : Direction::Buy;
        const auto mode = static_cast<OffsetMode>((static_cast<std::uint32_t>(a) >> 1) % 4);
        const std::int32_t volume = b <= 0 ? 1 : 1 + (b - 1) % 20;
        const InstrumentState& st = engine.registry().at(instrument);
        const double price = 3000.0 + (st.has_tick ? st.last_tick.last_price - 3000.0 : 0.0);
        const PlaceResult r = engine.place(agent, instrument, dir, price, volume, OrderKind::Limit, mode);
        refused_action(agent, r.code, r.refused_order != kNoOrder, false);
        if (!r.ok() && r.code != RejectCode::InsufficientPosition) {
          fail(std::string("place refused: ") + std::string(to_string(r.code)) + " " + std::string(r.reason.view()));
        }
        if (r.code == RejectCode::InsufficientPosition) check_insufficient(agent, instrument, dir, volume, r);
        sync_orders();
        return r.count > 0;
      }
      case LabAction::Ack: {
        std::size_t index = 0;
        LabOrder* o = pick(a, index);
        if (o == nullptr || o->acked || o->refused) return false;
        o->acked = true;
        push_report(*o, OrderStatus::Queued);
        return true;
      }
      case LabAction::Fill: return fill(a, b, false);
      case LabAction::FillTradeFirst: return fill(a, b, true);
      case LabAction::Cancel: {
        std::size_t index = 0;
        LabOrder* o = pick(a, index);
        if (o == nullptr) return false;
        const CancelResult r = engine.cancel(o->sent.agent, o->sent.id);
        refused_action(o->sent.agent, r.code, false, true);
        return r.ok();
      }
      case LabAction::ExchangeCancel: {
        std::size_t index = 0;
        LabOrder* o = pick(a, index);
        if (o == nullptr || !o->acked || o->done || o->refused) return false;
        o->done = true;
        push_report(*o, OrderStatus::Cancelled);
        return true;
      }
      case LabAction::CancelRefused: {
        std::size_t index = 0;
        LabOrder* o = pick(a, index);
        if (o == nullptr) return false;
        Event e = base(EventKind::OrderActionError);
        e.error_id = 26;
        ActionErrorData& d = e.payload.action_error;
        d.symbol = o->sent.symbol;
        d.exchange = o->sent.exchange;
        d.order_sys_id.assign(o->sys_id);
        d.front_id = o->sent.front_id;
        d.session_id = o->sent.session_id;
        d.order_ref = o->sent.order_ref;
        d.error_msg.assign("cancel refused");
        push(e);
        return true;
      }
      case LabAction::InsertRefused: {
        std::size_t index = 0;
        LabOrder* o = pick(a, index);
        if (o == nullptr || o->acked || o->refused) return false;
        o->refused = true;
        o->done = true;
        Event e = base(EventKind::OrderInsertError);
        e.error_id = 31;
        e.payload.insert_error.symbol = o->sent.symbol;
        e.payload.insert_error.order_ref = o->sent.order_ref;
        e.payload.insert_error.error_msg.assign("insufficient money");
        push(e);
        return true;
      }
      case LabAction::Duplicate: {
        if (history.empty()) return false;
        const Event e = history[static_cast<std::size_t>(a < 0 ? -static_cast<std::int64_t>(a) : a) % history.size()];
        if (!gw.ring.try_push(e)) fail("lab ring full");
        return true;
      }
      case LabAction::ForeignTrade: {
        Event e = base(EventKind::TradeReport);
        TradeData& d = e.payload.trade;
        d.symbol = engine.registry().at(instrument).spec.symbol;
        d.exchange = engine.registry().at(instrument).spec.exchange;
        char id[24];
        std::snprintf(id, sizeof id, "F%d", ++foreign_seq);
        d.trade_id.assign(id);
        d.order_sys_id.assign("foreign");
        d.direction = (a & 1) != 0 ? Direction::Sell : Direction::Buy;
        d.offset = Offset::Open;
        d.price = 3000.0;
        d.volume = b <= 0 ? 1 : 1 + (b - 1) % 5;
        foreign_lots[instr % 2][(a & 1) != 0 ? 1 : 0] += d.volume;
        counter_lots[instr % 2][(a & 1) != 0 ? 1 : 0] += d.volume;
        push(e);
        return true;
      }
      case LabAction::Tick: {
        Event e = base(EventKind::Tick);
        std::memset(&e.payload.tick, 0, sizeof e.payload.tick);
        e.payload.tick.instrument = kNoInstrument;
        e.payload.tick.symbol = engine.registry().at(instrument).spec.symbol;
        e.payload.tick.last_price = 3000.0 + (a % 50);
        push(e);
        return true;
      }
      case LabAction::Conditional: {
        const std::uint32_t bits = static_cast<std::uint32_t>(a);
        const Direction dir = (bits >> 3 & 1U) != 0 ? Direction::Sell : Direction::Buy;
        const std::int32_t volume = b <= 0 ? 1 : 1 + (b - 1) % 10;
        const InstrumentState& st = engine.registry().at(instrument);
        const double base = st.has_tick ? st.last_tick.last_price : 3000.0;
        const double offset = static_cast<double>(bits >> 4 & 7U);
        ConditionalResult r;
        if (bits % 5 == 4) {
          const double sign = dir == Direction::Buy ? 1.0 : -1.0;
          r = engine.add_bracket(agent, instrument, dir, volume, base, base + sign * (offset + 1),
                                 base - sign * (offset + 1));
        } else {
          ConditionalRequest q;
          q.kind = static_cast<ConditionalKind>(bits % 5 % 4);
          q.direction = dir;
          q.mode = (bits >> 7 & 1U) != 0 ? OffsetMode::OpenOnly : OffsetMode::CloseTodayThenYd;
          q.volume = volume;
          q.trigger = base + ((bits >> 8 & 1U) != 0 ? offset : -offset);
          q.trail = offset + 1;
          q.limit = q.kind == ConditionalKind::Iceberg ? base : 0.0;
          q.display = 1 + static_cast<std::int32_t>(bits >> 9 & 3U);
          if (q.display > volume) q.display = volume;
          r = engine.add_conditional(agent, instrument, q);
        }
        refused_action(agent, r.code, false, false);
        if (!r.ok() && r.code != RejectCode::InsufficientPosition) {
          fail(std::string("conditional refused: ") + std::string(to_string(r.code)) + " " +
               std::string(r.reason.view()));
        }
        if (r.id != kNoConditional) conditionals.emplace_back(agent, r.id);
        sync_orders();
        return r.ok();
      }
      case LabAction::CancelConditional: {
        if (conditionals.empty()) return false;
        const auto& [who, id] =
            conditionals[static_cast<std::size_t>(a < 0 ? -static_cast<std::int64_t>(a) : a) % conditionals.size()];
        const CancelResult r = engine.cancel_conditional(who, id);
        refused_action(who, r.code, false, true);
        return r.ok();
      }
      case LabAction::Insert: {
        const Direction dir = (a & 1) != 0 ? Direction::Sell : Direction::Buy;
        const auto offset = static_cast<Offset>((static_cast<std::uint32_t>(a) >> 1) % 4);
        const std::int32_t volume = b <= 0 ? 1 : 1 + (b - 1) % 7;  // within the lab's MaxLimitOrderVolume
        const InstrumentState& st = engine.registry().at(instrument);
        const double price = 3000.0 + (st.has_tick ? st.last_tick.last_price - 3000.0 : 0.0);
        const std::int32_t usable = offset == Offset::Open ? volume : own_closable(agent, instrument, dir, offset);
        const InsertResult r = engine.insert_order(agent, instrument, dir, offset, price, volume, OrderKind::Limit);
        refused_action(agent, r.code, r.order != kNoOrder, false);
        if (r.code == RejectCode::InsufficientPosition) {
          if (volume <= usable)
            fail("explicit " + std::string(to_string(offset)) + " refused although " + std::to_string(usable) +
                 " lots were free");
        } else if (!r.ok()) {
          fail(std::string("insert refused: ") + std::string(to_string(r.code)) + " " + std::string(r.reason.view()));
        } else if (volume > usable) {
          fail("explicit " + std::string(to_string(offset)) + " of " + std::to_string(volume) + " accepted with " +
               std::to_string(usable) + " of the agent's own lots free");
        }
        sync_orders();
        return r.ok();
      }
      case LabAction::RollDay: {
        pump();  // what the counter pushed before the new day's login arrives first
        const Ledgers& L = engine.ledgers();
        std::vector<double> balance(agents.size()), net(agents.size()), carried(agents.size());
        for (std::size_t k = 0; k < agents.size(); ++k) {
          const AgentLedger& g = L.agent(agents[k]);
          balance[k] = L.available_capital(agents[k]) + g.margin + g.frozen_margin + g.frozen_commission;
          net[k] = g.realized_pnl - g.commission;
          carried[k] = g.carried;
          fees_before_today[agents[k]] += g.commission;
        }
        gw.host->trading_day(++trading_day);
        for (std::size_t k = 0; k < agents.size(); ++k) {
          const AgentLedger& g = L.agent(agents[k]);
          if (g.realized_pnl != 0.0 || g.commission != 0.0 || !close_to(g.carried, carried[k] + net[k])) {
            fail("day roll did not carry the day's net of agent " + std::to_string(agents[k]));
          }
          const double after = L.available_capital(agents[k]) + g.margin + g.frozen_margin + g.frozen_commission;
          if (!close_to(after, balance[k])) fail("day roll changed the balance of agent " + std::to_string(agents[k]));
          for (std::uint32_t i = 0; i < 2; ++i) {
            const PositionLedger* p = L.position(agents[k], instruments[i]);
            if (p == nullptr) continue;
            for (const SideLedger& sd : p->side) {
              if (sd.today != 0 || sd.frozen_today != 0) fail("today's lots left after a day roll");
            }
          }
        }
        return true;
      }
      case LabAction::PreSettle: {
        Event e = base(EventKind::Tick);
        std::memset(&e.payload.tick, 0, sizeof e.payload.tick);
        e.payload.tick.instrument = kNoInstrument;
        e.payload.tick.symbol = engine.registry().at(instrument).spec.symbol;
        e.payload.tick.last_price = 3000.0 + (a % 50);
        e.payload.tick.pre_settlement_price = 2990.0 + (a / 50 % 20);
        push(e);
        return true;
      }
      case LabAction::kCount: break;
    }
    return false;
  }

  // Model of the agent's own lots a close with `offset` may take (SHFE/INE: CloseToday today's, Close and
  // CloseYesterday yesterday's; elsewhere any): held minus frozen in its working closes.
  std::int32_t own_closable(AgentId agent, InstrumentIndex instrument, Direction dir, Offset offset) const {
    const PositionLedger* p = engine.ledgers().position(agent, instrument);
    if (p == nullptr) return 0;
    const SideLedger& s = p->of(dir == Direction::Sell);
    const std::int32_t today = std::max(0, s.today - s.frozen_today);
    const std::int32_t yd = std::max(0, s.yd - s.frozen_yd);
    if (!splits_today(engine.registry().at(instrument).spec.exchange.view())) return today + yd;
    return offset == Offset::CloseToday ? today : yd;
  }

  // Margin, frozen commission and fee bookkeeping of every agent against independent sums.
  void check_money() {
    const Ledgers& L = engine.ledgers();
    for (const AgentId who : agents) {
      const AgentLedger& g = L.agent(who);
      double margin = 0.0, frozen_margin = 0.0, frozen_fee = 0.0;
      std::int64_t frozen_lots = 0;
      for (std::uint32_t k = 0; k < 2; ++k) {
        const InstrumentIndex i = instruments[k];
        const PositionLedger* p = L.position(who, i);
        if (p == nullptr) continue;
        for (int d = 0; d < 2; ++d) {
          const SideLedger& sd = p->side[d];
          if (!close_to(sd.margin, sd.margin_today + sd.margin_yd)) fail("side margin != today's + yesterday's");
          if ((sd.today == 0 && sd.margin_today != 0.0) || (sd.yd == 0 && sd.margin_yd != 0.0)) {
            fail("margin left on a side without lots");
          }
          const double settle = L.pre_settlement(i);
          if (settle > 0.0 && !close_to(sd.margin_yd, sd.yd * settle * 10 * config.margin_by_money)) {
            fail("yesterday's margin " + std::to_string(sd.margin_yd) + " is not " + std::to_string(sd.yd) +
                 " lots at the pre-settlement price " + std::to_string(settle));
          }
          margin += sd.margin;
          frozen_margin += sd.frozen_margin;
          frozen_fee += sd.frozen_commission;
          frozen_lots += sd.pending_open + sd.frozen();
        }
      }
      if (!close_to(g.margin, margin)) fail("agent margin != sum of its sides");
      if (!close_to(g.frozen_margin, frozen_margin)) fail("agent frozen margin != sum of its sides");
      if (!close_to(g.frozen_commission, frozen_fee)) fail("agent frozen commission != sum of its sides");
      if (!close_to(g.frozen_commission, frozen_lots * config.commission_by_volume)) {
        fail("frozen commission " + std::to_string(g.frozen_commission) + " != the fee of " +
             std::to_string(frozen_lots) + " frozen lots");
      }
      const double fees = fees_before_today[who] + g.commission;
      const double expected = static_cast<double>(lots_traded[who]) * config.commission_by_volume;
      if (!close_to(fees, expected)) {
        fail("fees booked " + std::to_string(fees) + " != the fee of " + std::to_string(lots_traded[who]) + " lots");
      }
    }
  }

  void check_insufficient(AgentId agent, InstrumentIndex instrument, Direction dir, std::int32_t volume,
                          const PlaceResult& r) {
    if (r.count != 0) fail("INSUFFICIENT_POSITION after sending legs");
    const PositionLedger* p = engine.ledgers().position(agent, instrument);
    std::int32_t avail = 0;
    if (p != nullptr) {
      const SideLedger& s = p->of(dir == Direction::Sell);
      avail = std::max(0, s.today - s.frozen_today) + std::max(0, s.yd - s.frozen_yd);
    }
    if (volume <= avail) fail("INSUFFICIENT_POSITION although " + std::to_string(avail) + " lots were free");
  }

  void check_state() {
    const Ledgers& L = engine.ledgers();
    for (std::uint32_t k = 0; k < 2; ++k) {
      const InstrumentIndex i = instruments[k];
      PositionView sum;
      for (std::size_t b = 0; b <= agents.size(); ++b) {
        const AgentId who = b < agents.size() ? agents[b] : kNoAgent;
        const PositionLedger* p =
            who == kNoAgent ? L.position(static_cast<AgentId>(config.agents), i) : L.position(who, i);
        if (p == nullptr) continue;
        for (const SideLedger& s : p->side) {
          if (s.today < 0 || s.yd < 0 || s.pending_open < 0 || s.frozen_today < 0 || s.frozen_yd < 0) {
            fail("negative lots in a ledger of instrument " + std::to_string(i));
          }
          if (s.frozen_today > s.today || s.frozen_yd > s.yd) {
            fail("frozen beyond holdings: today " + std::to_string(s.frozen_today) + "/" + std::to_string(s.today) +
                 " yd " + std::to_string(s.frozen_yd) + "/" + std::to_string(s.yd));
          }
        }
        sum.long_today += p->side[0].today + p->side[0].yd;
        sum.short_today += p->side[1].today + p->side[1].yd;
        if (who != kNoAgent) {
          const Model m = model.count({who, i}) ? model[{who, i}] : Model{};
          if (p->side[0].held() != m.lots[0] || p->side[1].held() != m.lots[1]) {
            fail("agent " + std::to_string(who) + " ledger L" + std::to_string(p->side[0].held()) + " S" +
                 std::to_string(p->side[1].held()) + " != model L" + std::to_string(m.lots[0]) + " S" +
                 std::to_string(m.lots[1]));
          }
        } else if (p->side[0].held() != foreign_lots[k][0] || p->side[1].held() != foreign_lots[k][1]) {
          fail("unattributed ledger differs from the foreign trades");
        }
      }
      const PositionView acct = L.account_view(i);
      if (acct.long_today + acct.long_yd != sum.long_today || acct.short_today + acct.short_yd != sum.short_today) {
        fail("account view != agents + unattributed");
      }
      if (sum.long_today != counter_lots[k][0] || sum.short_today != counter_lots[k][1]) {
        fail("ledgers (agents + unattributed) L" + std::to_string(sum.long_today) + " S" +
             std::to_string(sum.short_today) + " != counter L" + std::to_string(counter_lots[k][0]) + " S" +
             std::to_string(counter_lots[k][1]) + " on instrument " + std::to_string(i));
      }
      if (L.long_volume(kNoAgent, i) != sum.long_today) fail("LedgerView account long_volume differs");
    }
    check_money();
    check_counts();
  }

  // Every agent's ledger counters against what it was sent, what the counter received and what it was told.
  void check_counts() {
    const Ledgers& L = engine.ledgers();
    std::map<AgentId, std::uint32_t> inserts;
    for (const Order& o : gw.inserts) ++inserts[o.agent];
    for (const AgentId who : agents) {
      const AgentLedger& g = L.agent(who);
      Counts& c = counts[who];
      const auto say = [&](const char* what, std::uint64_t have, std::uint64_t want) {
        if (have != want) {
          fail("agent " + std::to_string(who) + " ledger " + what + " " + std::to_string(have) +
               " != " + std::to_string(want));
        }
      };
      say("orders", g.orders, inserts[who]);
      say("cancels", g.cancels, gw.cancels_by_agent[who]);
      say("fills", g.fills, c.fills);
      say("filled lots", g.filled_lots, c.filled_lots);
      for (std::size_t code = 0; code < kRejectCodeSlots; ++code) {
        const auto it = c.refusals.find(static_cast<RejectCode>(code));
        const std::uint32_t want = it != c.refusals.end() ? it->second : 0;
        if (g.refusals[code] != want) {
          fail("agent " + std::to_string(who) + " refusals " + std::string(to_string(static_cast<RejectCode>(code))) +
               " " + std::to_string(g.refusals[code]) + " != " + std::to_string(want));
        }
      }
    }
  }

  void finish() {
    pump();
    for (const AgentId who : agents) (void)engine.cancel_all(who);  // conditionals first: no new children
    pump();
    sync_orders();
    for (std::size_t i = 0; i < orders.size(); ++i) {
      LabOrder& o = orders[i];
      if (o.done || o.refused) continue;
      if (!o.acked) {
        o.acked = true;
        push_report(o, OrderStatus::Queued);
      }
      o.done = true;
      push_report(o, OrderStatus::Cancelled);
      if (gw.ring.size_approx() > 4096) pump();
    }
    pump();
    check_state();
    const Ledgers& L = engine.ledgers();
    if (engine.conditional_count() != 0)
      fail("live conditional orders after finish: " + std::to_string(engine.conditional_count()));
    if (engine.order_manager().live_count() != 0) {
      fail("live orders left after finish: " + std::to_string(engine.order_manager().live_count()));
    }
    const AccountTrack account = L.account();
    if (account.live.frozen_margin != 0.0 || std::fabs(account.live.frozen_commission) > 1e-6) {
      fail("live account still frozen after finish");
    }
    for (std::size_t b = 0; b < agents.size(); ++b) {
      if (L.agent(agents[b]).frozen_margin != 0.0)
        fail("frozen margin left: " + std::to_string(L.agent(agents[b]).frozen_margin));
      if (L.agent(agents[b]).frozen_commission != 0.0) {
        fail("frozen commission left: " + std::to_string(L.agent(agents[b]).frozen_commission));
      }
      for (std::uint32_t k = 0; k < 2; ++k) {
        const PositionLedger* p = L.position(agents[b], instruments[k]);
        if (p == nullptr) continue;
        for (const SideLedger& s : p->side) {
          if (s.pending_open != 0 || s.frozen() != 0 || s.frozen_margin != 0.0) {
            fail("frozen left after finish: pending_open " + std::to_string(s.pending_open) + " frozen " +
                 std::to_string(s.frozen()) + " margin " + std::to_string(s.frozen_margin));
          }
        }
      }
    }
  }
};

OrderLab::OrderLab(LabConfig config) : impl_(std::make_unique<Impl>(config)) { impl_->violations = &violations_; }
OrderLab::~OrderLab() = default;

bool OrderLab::apply(LabAction action, std::uint32_t agent, std::uint32_t instrument, std::int32_t a, std::int32_t b) {
  if (static_cast<std::uint8_t>(action) >= static_cast<std::uint8_t>(LabAction::kCount)) return false;
  const bool did = impl_->step(action, agent, instrument, a, b);
  impl_->pump();
  impl_->sync_orders();  // children released by conditional orders during the pump
  impl_->check_state();
  return did;
}

void OrderLab::finish() { impl_->finish(); }
Engine& OrderLab::engine() noexcept { return impl_->engine; }
std::size_t OrderLab::orders_placed() const noexcept { return impl_->orders.size(); }
InstrumentIndex OrderLab::instrument(std::uint32_t i) const noexcept { return impl_->instruments[i % 2]; }

}  // namespace shandian::core
