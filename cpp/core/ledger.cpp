#include "core/ledger.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace shandian::core {
namespace {

constexpr double kSnap = 1e-6;  // frozen margin sums are snapped to 0 once nothing is frozen (float residue)

void append(char* out, std::size_t size, std::size_t& used, const char* format, auto... args) noexcept {
  if (used + 1 >= size) return;
  const int n = std::snprintf(out + used, size - used, format, args...);
  if (n > 0) used = std::min(size - 1, used + static_cast<std::size_t>(n));
}

}  // namespace

Ledgers::Ledgers(const InstrumentRegistry& registry, Capacity capacity)
    : registry_(registry),
      capacity_(capacity),
      slots_(std::make_unique<std::uint32_t[]>((capacity.agents + 1) * capacity.instruments)),
      positions_(std::make_unique<PositionLedger[]>(capacity.positions)),
      heads_(std::make_unique<std::uint32_t[]>(capacity.agents + 1)),
      agents_(std::make_unique<AgentLedger[]>(capacity.agents + 1)),
      owners_(std::make_unique<AgentId[]>(capacity.instruments)),
      pre_settlement_(std::make_unique<double[]>(capacity.instruments)),
      ticked_(std::make_unique<bool[]>(capacity.instruments)),
      settling_(std::make_unique<bool[]>(capacity.instruments)) {
  std::fill_n(slots_.get(), (capacity.agents + 1) * capacity.instruments, kNoSlot);
  std::fill_n(heads_.get(), capacity.agents + 1, kNoSlot);
  std::fill_n(owners_.get(), capacity.instruments, kNoAgent);
  std::fill_n(pre_settlement_.get(), capacity.instruments, 0.0);
  std::fill_n(ticked_.get(), capacity.instruments, true);  // before any roll, marks are last prices
  std::fill_n(settling_.get(), capacity.instruments, false);
}

void Ledgers::set_allocation(AgentId agent, double capital) noexcept { agent_ledger(agent).allocation = capital; }

void Ledgers::set_owner(InstrumentIndex instrument, AgentId agent) noexcept {
  if (instrument < capacity_.instruments) owners_[instrument] = agent;
}

PositionLedger* Ledgers::slot_for(std::uint32_t bucket, InstrumentIndex instrument, bool create) noexcept {
  if (instrument >= capacity_.instruments) return nullptr;
  std::uint32_t& s = slots_[bucket * capacity_.instruments + instrument];
  if (s != kNoSlot) return &positions_[s];
  if (!create) return nullptr;
  if (used_positions_ >= capacity_.positions) {
    ++stats_.position_slots_full;
    return nullptr;
  }
  s = static_cast<std::uint32_t>(used_positions_++);
  PositionLedger& p = positions_[s];
  p = PositionLedger{};
  p.instrument = instrument;
  p.bucket = bucket;
  p.next_in_bucket = heads_[bucket];
  heads_[bucket] = s;
  return &p;
}

const PositionLedger* Ledgers::slot_for(std::uint32_t bucket, InstrumentIndex instrument) const noexcept {
  if (instrument >= capacity_.instruments) return nullptr;
  const std::uint32_t s = slots_[bucket * capacity_.instruments + instrument];
  return s != kNoSlot ? &positions_[s] : nullptr;
}

double Ledgers::multiplier(InstrumentIndex instrument) const noexcept {
  if (!registry_.contains(instrument)) return 1.0;
  const std::int32_t m = registry_.at(instrument).spec.volume_multiple;
  return m > 0 ? static_cast<double>(m) : 1.0;
}

double Ledgers::freeze_price(InstrumentIndex instrument, Direction direction, double price) const noexcept {
  if (price > 0.0 || !registry_.contains(instrument)) return price;
  const InstrumentState& st = registry_.at(instrument);
  if (!st.has_tick) return 0.0;
  return direction == Direction::Buy ? st.last_tick.upper_limit_price : st.last_tick.lower_limit_price;
}

double Ledgers::margin_per_lot(InstrumentIndex instrument, bool is_long, double price) const noexcept {
  if (!registry_.contains(instrument)) return 0.0;
  const MarginRates& r = registry_.at(instrument).margin;
  if (!r.known) return 0.0;
  const double notional = price * multiplier(instrument);
  return is_long ? notional * r.long_by_money + r.long_by_volume : notional * r.short_by_money + r.short_by_volume;
}

double Ledgers::commission_of(InstrumentIndex instrument, Offset offset, bool today, double price,
                              std::int32_t volume) const noexcept {
  if (!registry_.contains(instrument) || volume <= 0) return 0.0;
  const CommissionRates& r = registry_.at(instrument).commission;
  if (!r.known) return 0.0;
  const double notional = price * multiplier(instrument) * volume;
  if (offset == Offset::Open) return notional * r.open_by_money + volume * r.open_by_volume;
  if (today && offset != Offset::CloseYesterday)
    return notional * r.close_today_by_money + volume * r.close_today_by_volume;
  return notional * r.close_by_money + volume * r.close_by_volume;
}

bool Ledgers::freeze_new(OrderLedgerState& s, AgentId agent, InstrumentIndex instrument, Direction direction,
                         Offset offset, double price, std::int32_t volume) noexcept {
  s = OrderLedgerState{};
  PositionLedger* p = slot_for(bucket_of(agent), instrument, true);
  if (p == nullptr) return false;
  s.agent = agent;
  s.instrument = instrument;
  s.direction = direction;
  s.is_open = offset == Offset::Open;
  s.active = true;
  const double at = freeze_price(instrument, direction, price);
  if (s.is_open) {
    s.margin_per_lot = margin_per_lot(instrument, direction == Direction::Buy, at);
    s.fee_per_lot_today = commission_of(instrument, Offset::Open, true, at, 1);
  } else {
    s.fee_per_lot_today = commission_of(instrument, Offset::CloseToday, true, at, 1);
    s.fee_per_lot_yd = commission_of(instrument, Offset::Close, false, at, 1);
    const SideLedger& side = p->of(direction == Direction::Sell);
    switch (offset) {
      case Offset::CloseToday: s.plan_today = volume; break;
      case Offset::CloseYesterday: s.plan_yd = volume; break;
      default: {
        const bool split =
            registry_.contains(instrument) && splits_today(registry_.at(instrument).spec.exchange.view());
        if (split) {
          s.plan_yd = volume;  // SHFE/INE: Close closes yesterday's lots only
        } else {
          s.plan_yd = std::clamp(side.yd - side.frozen_yd, 0, volume);
          s.plan_today = volume - s.plan_yd;
        }
      }
    }
  }
  sync(s, volume, 0, 0, false);
  return true;
}

void Ledgers::sync(OrderLedgerState& s, std::int32_t volume, std::int32_t traded_reported, std::int32_t booked,
                   bool final) noexcept {
  if (!s.active) return;
  PositionLedger* p = slot_for(bucket_of(s.agent), s.instrument, false);
  if (p == nullptr) return;
  const std::int32_t frozen = std::max(0, final ? traded_reported - booked : volume - booked);
  const std::int32_t unbooked = std::max(0, traded_reported - booked);
  p->unbooked[s.direction == Direction::Buy ? 0 : 1] += unbooked - s.unbooked;
  s.unbooked = unbooked;
  AgentLedger& a = agent_ledger(s.agent);
  double fee = 0.0;
  SideLedger* fee_side = nullptr;
  if (s.is_open) {
    SideLedger& side = p->of(s.direction == Direction::Buy);
    side.pending_open += frozen - s.pending_open;
    s.pending_open = frozen;
    const double margin = frozen * s.margin_per_lot;
    side.frozen_margin += margin - s.frozen_margin;
    a.frozen_margin += margin - s.frozen_margin;
    s.frozen_margin = margin;
    if (side.pending_open == 0) side.frozen_margin = 0.0;
    if (std::fabs(a.frozen_margin) < kSnap) a.frozen_margin = 0.0;
    fee = frozen * s.fee_per_lot_today;
    fee_side = &side;
  } else {
    SideLedger& side = p->of(s.direction == Direction::Sell);
    const std::int32_t yd = std::min(frozen, std::max(0, s.plan_yd - s.booked_yd));
    const std::int32_t today = frozen - yd;
    side.frozen_yd += yd - s.frozen_yd;
    side.frozen_today += today - s.frozen_today;
    s.frozen_yd = yd;
    s.frozen_today = today;
    fee = yd * s.fee_per_lot_yd + today * s.fee_per_lot_today;
    fee_side = &side;
  }
  fee_side->frozen_commission += fee - s.frozen_commission;
  a.frozen_commission += fee - s.frozen_commission;
  s.frozen_commission = fee;
  if (fee_side->pending_open == 0 && fee_side->frozen() == 0) fee_side->frozen_commission = 0.0;
  if (std::fabs(a.frozen_commission) < kSnap) a.frozen_commission = 0.0;
}

void Ledgers::add_margin(std::uint32_t bucket, SideLedger& side, double today, double yd) noexcept {
  side.margin_today += today;
  side.margin_yd += yd;
  if (side.today == 0) side.margin_today = 0.0;
  if (side.yd == 0) side.margin_yd = 0.0;
  const double before = side.margin;
  side.margin = side.margin_today + side.margin_yd;
  AgentLedger& a = agents_[bucket];
  a.margin += side.margin - before;
  if (std::fabs(a.margin) < kSnap) a.margin = 0.0;
}

void Ledgers::margin_yd_at_pre_settlement(std::uint32_t bucket, PositionLedger& p, SideLedger& side,
                                          bool is_long) noexcept {
  const double settle = pre_settlement_[p.instrument];
  if (!(settle > 0.0) || side.yd == 0) return;
  add_margin(bucket, side, 0.0, margin_per_lot(p.instrument, is_long, settle) * side.yd - side.margin_yd);
}

std::int32_t Ledgers::take(std::uint32_t bucket, PositionLedger& p, bool is_long, bool yd_first, std::int32_t lots,
                           double price, std::int32_t& took_today) noexcept {
  SideLedger& side = p.of(is_long);
  const std::int32_t held = side.held();
  const std::int32_t n = std::min(lots, held);
  if (n <= 0) return 0;
  std::int32_t from_yd = yd_first ? std::min(n, side.yd) : std::max(0, n - side.today);
  const std::int32_t from_today = n - from_yd;
  // Yesterday's lots share one pre-settlement margin; today's release at their average open price.
  const double release_yd = from_yd > 0 ? side.margin_yd * from_yd / side.yd : 0.0;
  const double release_today = from_today > 0 ? side.margin_today * from_today / side.today : 0.0;
  side.yd -= from_yd;
  side.today -= from_today;
  took_today += from_today;
  const double mult = multiplier(p.instrument);
  const double pnl = (is_long ? price - side.avg_price : side.avg_price - price) * n * mult;
  AgentLedger& a = agents_[bucket];
  p.realized_pnl += pnl;
  a.realized_pnl += pnl;
  add_margin(bucket, side, -release_today, -release_yd);
  if (side.held() == 0) side.avg_price = 0.0;
  return n;
}

void Ledgers::book_trade(OrderLedgerState* s, AgentId agent, InstrumentIndex instrument, Direction direction,
                         Offset offset, double price, std::int32_t volume) noexcept {
  book(s, agent, instrument, direction, offset, price, volume, true);
}

void Ledgers::book_recovered_trade(AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                                   double price, std::int32_t volume) noexcept {
  book(nullptr, agent, instrument, direction, offset, price, volume, false);
}

void Ledgers::book(OrderLedgerState* s, AgentId agent, InstrumentIndex instrument, Direction direction, Offset offset,
                   double price, std::int32_t volume, bool count_fill) noexcept {
  if (volume <= 0) return;
  const std::uint32_t bucket = bucket_of(s != nullptr && s->active ? s->agent : agent);
  PositionLedger* p = slot_for(bucket, instrument, true);
  if (p == nullptr) return;
  AgentLedger& a = agents_[bucket];
  ++p->fills;  // the position traded today (a recovered trade included): it shows in the report
  if (count_fill) {
    ++a.fills;
    a.filled_lots += static_cast<std::uint32_t>(volume);
  }
  if (offset == Offset::Open) {
    SideLedger& side = p->of(direction == Direction::Buy);
    const std::int32_t held = side.held();
    side.avg_price = (side.avg_price * held + price * volume) / (held + volume);
    side.today += volume;
    add_margin(bucket, side, margin_per_lot(instrument, direction == Direction::Buy, price) * volume, 0.0);
    const double fee = commission_of(instrument, Offset::Open, true, price, volume);
    p->commission += fee;
    a.commission += fee;
    return;
  }
  const bool is_long = direction == Direction::Sell;  // a sell closes long lots
  // Intended split: the order's plan (yesterday first), or the offset for a trade of no known order.
  std::int32_t want_yd = 0;
  if (s != nullptr && s->active) {
    want_yd = std::min(volume, std::max(0, s->plan_yd - s->booked_yd));
    s->booked_yd += want_yd;
    s->booked_today += volume - want_yd;
  } else if (offset == Offset::CloseYesterday) {
    want_yd = volume;
  } else if (offset == Offset::Close) {
    want_yd = std::min(volume, p->of(is_long).yd);
  }
  const std::int32_t want_today = volume - want_yd;
  std::int32_t took_today = 0;
  std::int32_t left = volume;
  // Yesterday's part first, then today's; whatever this bucket lacks comes from the unattributed bucket.
  left -= take(bucket, *p, is_long, true, std::min(left, want_yd), price, took_today);
  left -= take(bucket, *p, is_long, false, left, price, took_today);
  if (left > 0 && bucket != unattributed()) {
    if (PositionLedger* u = slot_for(unattributed(), instrument, false)) {
      left -= take(unattributed(), *u, is_long, want_yd > 0, left, price, took_today);
    }
  }
  if (left > 0) stats_.overclosed_lots += static_cast<std::uint64_t>(left);
  const double fee = commission_of(instrument, offset, true, price, want_today) +
                     commission_of(instrument, Offset::Close, false, price, want_yd);
  p->commission += fee;
  a.commission += fee;
}

void Ledgers::count_final(AgentId agent, OrderStatus status) noexcept {
  if (status == OrderStatus::Rejected) ++agent_ledger(agent).rejects;
  if (status == OrderStatus::Cancelled) ++agent_ledger(agent).cancelled;
}

const PositionLedger* Ledgers::position(AgentId agent, InstrumentIndex instrument) const noexcept {
  return slot_for(bucket_of(agent), instrument);
}

namespace {
void add_view(PositionView& v, const PositionLedger& p) noexcept {
  const SideLedger& l = p.side[0];
  const SideLedger& s = p.side[1];
  const std::int32_t long_before = v.long_today + v.long_yd;
  const std::int32_t short_before = v.short_today + v.short_yd;
  if (l.held() > 0) v.long_avg = (v.long_avg * long_before + l.avg_price * l.held()) / (long_before + l.held());
  if (s.held() > 0) v.short_avg = (v.short_avg * short_before + s.avg_price * s.held()) / (short_before + s.held());
  v.long_today += l.today;
  v.long_yd += l.yd;
  v.short_today += s.today;
  v.short_yd += s.yd;
  v.long_frozen += l.frozen();
  v.short_frozen += s.frozen();
  v.long_pending_open += l.pending_open;
  v.short_pending_open += s.pending_open;
  v.realized_pnl += p.realized_pnl;
  v.commission += p.commission;
  v.margin += l.margin + s.margin;
  v.frozen_commission += l.frozen_commission + s.frozen_commission;
  v.fills += p.fills;
  v.unbooked_buy += p.unbooked[0];
  v.unbooked_sell += p.unbooked[1];
}
}  // namespace

PositionView Ledgers::view(AgentId agent, InstrumentIndex instrument) const noexcept {
  PositionView v;
  if (agent == kNoAgent) return account_view(instrument);
  if (const PositionLedger* p = slot_for(bucket_of(agent), instrument)) add_view(v, *p);
  return v;
}

void Ledgers::fill_view(AgentId agent, InstrumentIndex instrument, PositionView& out) const noexcept {
  out = view(agent, instrument);
  if (agent == kNoAgent) return;
  const AgentLedger& a = agents_[bucket_of(agent)];
  out.agent_available = available_capital(agent);
  out.agent_realized_pnl = a.realized_pnl;
  out.agent_commission = a.commission;
  out.agent_margin = a.margin;
  out.agent_frozen_margin = a.frozen_margin;
  out.agent_frozen_commission = a.frozen_commission;
}

PositionView Ledgers::account_view(InstrumentIndex instrument) const noexcept {
  PositionView v;
  for (std::uint32_t b = 0; b <= capacity_.agents; ++b) {
    if (const PositionLedger* p = slot_for(b, instrument)) add_view(v, *p);
  }
  return v;
}

double Ledgers::position_unrealized(const PositionLedger& p) const noexcept {
  const double mark = mark_price(p.instrument);
  if (!(mark > 0.0)) return 0.0;
  const double mult = multiplier(p.instrument);
  return ((mark - p.side[0].avg_price) * p.side[0].held() + (p.side[1].avg_price - mark) * p.side[1].held()) * mult;
}

double Ledgers::unrealized_pnl(AgentId agent) const noexcept {
  double sum = 0.0;
  const std::uint32_t first = agent == kNoAgent ? 0 : bucket_of(agent);
  const std::uint32_t last = agent == kNoAgent ? static_cast<std::uint32_t>(capacity_.agents) : first;
  for (std::uint32_t b = first; b <= last; ++b) {
    for (std::uint32_t s = heads_[b]; s != kNoSlot; s = positions_[s].next_in_bucket) {
      sum += position_unrealized(positions_[s]);
    }
  }
  return sum;
}

double Ledgers::unrealized_pnl(AgentId agent, InstrumentIndex instrument) const noexcept {
  const PositionLedger* p = slot_for(bucket_of(agent), instrument);
  return p != nullptr ? position_unrealized(*p) : 0.0;
}

std::int32_t Ledgers::long_volume(AgentId agent, InstrumentIndex instrument) const noexcept {
  const PositionView v = view(agent, instrument);
  return v.long_today + v.long_yd;
}

std::int32_t Ledgers::short_volume(AgentId agent, InstrumentIndex instrument) const noexcept {
  const PositionView v = view(agent, instrument);
  return v.short_today + v.short_yd;
}

std::int32_t Ledgers::pending_open_volume(AgentId agent, InstrumentIndex instrument,
                                          Direction direction) const noexcept {
  const PositionView v = view(agent, instrument);
  return direction == Direction::Buy ? v.long_pending_open : v.short_pending_open;
}

double Ledgers::available_capital(AgentId agent) const noexcept {
  if (agent == kNoAgent) return anchored_ ? account().live.available : std::numeric_limits<double>::infinity();
  const AgentLedger& a = agents_[bucket_of(agent)];
  return a.allocation + a.carried + a.realized_pnl - a.commission - a.margin - a.frozen_margin - a.frozen_commission;
}

double Ledgers::order_cost(AgentId, InstrumentIndex instrument, Direction direction, Offset offset, double price,
                           std::int32_t volume) const noexcept {
  if (volume <= 0) return 0.0;
  if (offset == Offset::Open) {
    return margin_per_lot(instrument, direction == Direction::Buy, price) * volume +
           commission_of(instrument, offset, true, price, volume);
  }
  return commission_of(instrument, offset, offset == Offset::CloseToday, price, volume);
}

double Ledgers::pnl_today(AgentId agent) const noexcept {
  double realized = 0.0;
  double fees = 0.0;
  double floating_at_roll = 0.0;
  const std::uint32_t first = agent == kNoAgent ? 0 : bucket_of(agent);
  const std::uint32_t last = agent == kNoAgent ? static_cast<std::uint32_t>(capacity_.agents) : first;
  for (std::uint32_t b = first; b <= last; ++b) {
    realized += agents_[b].realized_pnl;
    fees += agents_[b].commission;
    floating_at_roll += agents_[b].unrealized_at_roll;
  }
  // Since the day started: realized + floating now - floating when it rolled (overnight lots count from
  // the roll's mark, not from their open price).
  return realized + unrealized_pnl(agent) - floating_at_roll - fees;
}

void Ledgers::seed_yesterday(AgentId agent, InstrumentIndex instrument, bool is_long, std::int32_t lots,
                             double price) noexcept {
  if (lots <= 0) return;
  const std::uint32_t bucket = bucket_of(agent);
  PositionLedger* p = slot_for(bucket, instrument, true);
  if (p == nullptr) return;
  SideLedger& side = p->of(is_long);
  const std::int32_t held = side.held();
  side.avg_price = (side.avg_price * held + price * lots) / (held + lots);
  side.yd += lots;
  margin_yd_at_pre_settlement(bucket, *p, side, is_long);
}

std::size_t Ledgers::clamp_yesterday(YesterdayCut* out, std::size_t capacity) noexcept {
  std::size_t cuts = 0;
  for (std::size_t i = 0; i < registry_.size() && i < capacity_.instruments; ++i) {
    const auto index = static_cast<InstrumentIndex>(i);
    const PositionSnapshot& ctp = registry_.at(index).position;
    for (const bool is_long : {true, false}) {
      std::int32_t agents_yd = 0;
      for (std::uint32_t b = 0; b < capacity_.agents; ++b) {
        if (const PositionLedger* p = slot_for(b, index)) agents_yd += p->of(is_long).yd;
      }
      std::int32_t excess = agents_yd - (is_long ? ctp.long_yd : ctp.short_yd);
      for (std::uint32_t b = static_cast<std::uint32_t>(capacity_.agents); excess > 0 && b-- > 0;) {
        PositionLedger* p = slot_for(b, index, false);
        if (p == nullptr || p->of(is_long).yd == 0) continue;
        SideLedger& side = p->of(is_long);
        const std::int32_t cut = std::min(excess, side.yd);
        const double release = side.margin_yd * cut / side.yd;
        side.yd -= cut;
        add_margin(b, side, 0.0, -release);
        if (side.held() == 0) side.avg_price = 0.0;
        excess -= cut;
        if (cuts < capacity) out[cuts] = YesterdayCut{b, index, is_long, cut};
        ++cuts;
      }
    }
  }
  return cuts;
}

bool Ledgers::reconcile(char* diff, std::size_t diff_size) noexcept {
  std::size_t used = 0;
  if (diff_size > 0) diff[0] = '\0';
  ++stats_.reconciles;
  bool match = true;
  for (std::size_t i = 0; i < registry_.size() && i < capacity_.instruments; ++i) {
    const auto index = static_cast<InstrumentIndex>(i);
    const InstrumentState& st = registry_.at(index);
    const PositionSnapshot& ctp = st.position;
    const PositionView sum = account_view(index);
    const std::int32_t want[4] = {ctp.long_today, ctp.long_yd, ctp.short_today, ctp.short_yd};
    const std::int32_t have[4] = {sum.long_today, sum.long_yd, sum.short_today, sum.short_yd};
    if (std::equal(want, want + 4, have)) continue;
    if (!seeded_) {
      // First reconcile: what CTP holds beyond the agents is unattributed (earlier sessions, manual).
      PositionLedger* u = slot_for(unattributed(), index, true);
      if (u == nullptr) continue;
      const double mult = multiplier(index);
      for (int k = 0; k < 4; ++k) {
        const std::int32_t delta = want[k] - have[k];
        if (delta <= 0) continue;
        SideLedger& side = u->side[k / 2];
        const double cost = k < 2 ? ctp.long_cost : ctp.short_cost;
        const std::int32_t lots = k < 2 ? ctp.long_today + ctp.long_yd : ctp.short_today + ctp.short_yd;
        if (side.held() == 0 && lots > 0 && cost > 0) side.avg_price = cost / (lots * mult);
        (k % 2 == 0 ? side.today : side.yd) += delta;
        // Margin of the adopted lots: today's at their cost, yesterday's at the pre-settlement price.
        const double settle = pre_settlement_[index];
        const double at = k % 2 == 1 && settle > 0.0 ? settle : side.avg_price;
        const double m = margin_per_lot(index, k < 2, at) * delta;
        add_margin(unattributed(), side, k % 2 == 0 ? m : 0.0, k % 2 == 1 ? m : 0.0);
      }
      continue;
    }
    match = false;
    append(diff, diff_size, used, "%s%s ledger L%d/%d S%d/%d vs CTP L%d/%d S%d/%d", used ? "; " : "",
           st.spec.symbol.c_str(), have[0], have[1], have[2], have[3], want[0], want[1], want[2], want[3]);
  }
  seeded_ = true;
  if (!match) ++stats_.mismatches;
  return match;
}

// ---- trading day -----------------------------------------------------------------------------------------------

void Ledgers::roll_order(OrderLedgerState& s) noexcept {
  if (!s.active || s.is_open) return;
  // The lots a working close planned out of today's holdings are yesterday's now (as on the sides).
  s.plan_yd += s.plan_today;
  s.booked_yd += s.booked_today;
  s.frozen_yd += s.frozen_today;
  s.plan_today = 0;
  s.booked_today = 0;
  s.frozen_today = 0;
}

void Ledgers::roll_day(std::uint32_t trading_day) noexcept {
  for (std::uint32_t b = 0; b <= capacity_.agents; ++b) {
    AgentLedger& a = agents_[b];
    a.unrealized_at_roll = 0.0;
    for (std::uint32_t i = heads_[b]; i != kNoSlot; i = positions_[i].next_in_bucket) {
      PositionLedger& p = positions_[i];
      a.unrealized_at_roll += position_unrealized(p);
      for (SideLedger& side : p.side) {
        side.yd += side.today;
        side.today = 0;
        side.frozen_yd += side.frozen_today;
        side.frozen_today = 0;
        side.margin_yd += side.margin_today;  // re-margined when the new day's pre-settlement price arrives
        side.margin_today = 0.0;
      }
      p.realized_pnl = 0.0;
      p.commission = 0.0;
    }
    a.carried += a.realized_pnl - a.commission;
    a.realized_pnl = 0.0;
    a.commission = 0.0;
  }
  std::fill_n(pre_settlement_.get(), capacity_.instruments, 0.0);
  std::fill_n(ticked_.get(), capacity_.instruments, false);
  std::fill_n(settling_.get(), capacity_.instruments, true);
  trading_day_ = trading_day;
  ++stats_.day_rolls;
}

template <class Change>
void Ledgers::rebase(InstrumentIndex instrument, bool settlement, Change&& change) noexcept {
  const Totals before = anchored_ ? totals() : Totals{};
  // pnl_today stays where it was: its floating part is re-based with the positions.
  for (std::uint32_t b = 0; b <= capacity_.agents; ++b) {
    if (const PositionLedger* p = slot_for(b, instrument)) agents_[b].unrealized_at_roll -= position_unrealized(*p);
  }
  change();
  for (std::uint32_t b = 0; b <= capacity_.agents; ++b) {
    if (const PositionLedger* p = slot_for(b, instrument)) agents_[b].unrealized_at_roll += position_unrealized(*p);
  }
  if (!anchored_ || settlement) return;
  // The counter values its positions on this basis already: a change of basis, not account activity.
  const Totals after = totals();
  base_.pnl += after.pnl - before.pnl;
  base_.margin += after.margin - before.margin;
}

void Ledgers::set_pre_settlement(InstrumentIndex instrument, double price) noexcept {
  if (instrument >= capacity_.instruments || !(price > 0.0) || !std::isfinite(price)) return;
  if (price == pre_settlement_[instrument]) return;
  const bool settlement = settling_[instrument];
  settling_[instrument] = false;
  rebase(instrument, settlement, [&] {
    pre_settlement_[instrument] = price;
    for (std::uint32_t b = 0; b <= capacity_.agents; ++b) {
      if (PositionLedger* p = slot_for(b, instrument, false)) {
        margin_yd_at_pre_settlement(b, *p, p->side[0], true);
        margin_yd_at_pre_settlement(b, *p, p->side[1], false);
      }
    }
  });
}

double Ledgers::mark_price(InstrumentIndex instrument) const noexcept {
  if (!registry_.contains(instrument)) return 0.0;
  const InstrumentState& st = registry_.at(instrument);
  const double last = st.has_tick && st.last_tick.last_price > 0.0 ? st.last_tick.last_price : 0.0;
  if (instrument < capacity_.instruments && !ticked_[instrument] && pre_settlement_[instrument] > 0.0) {
    return pre_settlement_[instrument];
  }
  return last;
}

// ---- live account ------------------------------------------------------------------------------------------------

Ledgers::Totals Ledgers::totals() const noexcept {
  Totals t;
  for (std::uint32_t b = 0; b <= capacity_.agents; ++b) {
    const AgentLedger& a = agents_[b];
    t.pnl += a.carried + a.realized_pnl - a.commission;
    t.margin += a.margin;
    t.frozen_margin += a.frozen_margin;
    t.frozen_commission += a.frozen_commission;
  }
  t.pnl += unrealized_pnl(kNoAgent);
  return t;
}

AccountTrack Ledgers::account() const noexcept {
  AccountTrack t = track_;
  if (!anchored_) return t;
  const Totals now = totals();
  const double pnl = now.pnl - base_.pnl;
  const double margin = now.margin - base_.margin;
  const double frozen_margin = now.frozen_margin - base_.frozen_margin;
  const double frozen_commission = now.frozen_commission - base_.frozen_commission;
  t.live.balance = anchor_.balance + pnl;
  t.live.margin = anchor_.current_margin + margin;
  t.live.frozen_margin = anchor_.frozen_margin + frozen_margin;
  t.live.frozen_commission = anchor_.frozen_commission + frozen_commission;
  t.live.available = anchor_.available + pnl - margin - frozen_margin - frozen_commission;
  return t;
}

void Ledgers::reconcile_account(const AccountData& counter, std::int64_t now_ns) noexcept {
  constexpr double kCent = 0.01;
  AccountFigures diff;
  if (anchored_) {
    const AccountFigures live = account().live;
    diff.balance = counter.balance - live.balance;
    diff.available = counter.available - live.available;
    diff.margin = counter.current_margin - live.margin;
    diff.frozen_margin = counter.frozen_margin - live.frozen_margin;
    diff.frozen_commission = counter.frozen_commission - live.frozen_commission;
    if (std::fabs(diff.balance) > kCent || std::fabs(diff.available) > kCent || std::fabs(diff.margin) > kCent ||
        std::fabs(diff.frozen_margin) > kCent || std::fabs(diff.frozen_commission) > kCent) {
      ++track_.differing;
    }
  }
  anchor_ = counter;
  base_ = totals();
  anchored_ = true;
  track_.difference = diff;
  ++track_.reconciles;
  track_.reconciled_ns = now_ns;
}

}  // namespace shandian::core
