// Journal: record encoding and the SQLite row it becomes, gap-free sequence numbers across reopenings,
// batched transactions, the backlog bound (engine refuses orders with JOURNAL_BACKLOG, nothing lost),
// replay into attribution and per-agent positions, and recovery seeding of the order manager.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fake_gateway.hpp"
#include "journal/journal.hpp"
#include "journal/replay.hpp"
#include "support/check.hpp"

using namespace shandian::testing;
using namespace shandian::journal;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/shandian-journal-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const char* name) const { return (path / name).string(); }
};

// Rows of one column (as text) in seq order.
std::vector<std::string> column(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(q) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(q, 0);
    out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "<null>");
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

std::string first(const std::vector<std::string>& rows) { return rows.empty() ? std::string("<no row>") : rows[0]; }

JournalConfig config_for(const std::string& path, std::size_t ring = 1024, std::size_t backlog = 512) {
  JournalConfig c;
  c.path = path;
  c.ring_capacity = ring;
  c.backlog_limit = backlog;
  c.idle_sleep_ns = 200'000;
  return c;
}

struct Fixture {
  FakeGateway gw;
  Engine engine;
  Journal journal;
  AgentId a;
  AgentId b;
  InstrumentIndex rb;

  explicit Fixture(const JournalConfig& jc) : engine(EngineConfig{}, gw), journal(jc) {
    journal.set_order_source(&engine.order_manager());
    engine.set_observer(&journal);
    journal.start();
    a = engine.add_agent("alpha");
    b = engine.add_agent("beta");
    journal.agent_added(a, "alpha");
    journal.agent_added(b, "beta");
    rb = gw.add_instrument("rb2505", "SHFE", 1.0);
    gw.host->instruments_loaded();
  }
  void pump() {
    for (int i = 0; i < 4; ++i) engine.run_once(0);
  }
  OrderId buy(AgentId agent, int volume = 2) {
    const InsertResult r = engine.insert_order(agent, rb, Direction::Buy, Offset::Open, 3500, volume, OrderKind::Limit);
    REQUIRE(r.ok());
    return r.order;
  }
  // The counter accepts, the exchange fills `volume` in one trade.
  void fill(OrderId id, const char* sys_id, const char* trade_id) {
    const Order o = *engine.order(id);
    std::int64_t t = monotonic_ns();
    REQUIRE(push_order(gw.ring_a, t, order_data(o, OrderStatus::Accepted, 0, sys_id)));
    REQUIRE(push_order(gw.ring_a, t + 1, order_data(o, OrderStatus::Filled, o.volume, sys_id)));
    REQUIRE(push_trade(gw.ring_a, t + 2, trade_data(o, trade_id, sys_id, o.volume, 3500)));
    pump();
  }
};

void records_encode_order_updates_with_identity_of_the_live_order() {
  OrderUpdate u{};
  u.id = 42;
  u.agent = 3;
  u.symbol.assign("rb2505");
  u.direction = Direction::Sell;
  u.offset = Offset::CloseToday;
  u.kind = OrderKind::Fak;
  u.status = OrderStatus::PartFilled;
  u.price = 3501;
  u.volume = 5;
  u.traded = 2;
  u.order_ref = 77;
  u.reject_code = RejectCode::None;
  u.ctp_error_id = 0;
  u.reason.assign("partly");
  u.recv_ns = 11;
  u.update_ns = 12;
  const Record r = encode(u, 1, 9, make_fixed<9>("SHFE"), make_fixed<21>("   123"));
  CHECK(r.kind == RecordKind::OrderUpdate);
  CHECK_EQ(r.order_id, 42u);
  CHECK_EQ(r.agent, 3u);
  CHECK(r.direction == Direction::Sell);
  CHECK(r.offset == Offset::CloseToday);
  CHECK(r.order_kind == OrderKind::Fak);
  CHECK(r.status == OrderStatus::PartFilled);
  CHECK_EQ(r.volume, 5);
  CHECK_EQ(r.traded, 2);
  CHECK_EQ(r.front_id, 1);
  CHECK_EQ(r.session_id, 9);
  CHECK_EQ(r.order_ref, 77);
  CHECK(r.order_sys_id == std::string_view("   123"));  // kept exactly as received (padding included)
  CHECK(r.text == std::string_view("partly"));
  CHECK_EQ(r.mono_ns, 12);
  CHECK_EQ(r.recv_ns, 11);

  SessionNotice n{};
  n.kind = SessionNoticeKind::TraderReady;
  n.code = 0;
  n.message.assign("ready");
  CHECK(encode(n).text == std::string_view("trader_ready: ready"));
}

void every_fact_becomes_one_row_with_gap_free_sequence_numbers() {
  TempDir dir;
  const std::string path = dir.file("acct-20250102.journal.sqlite");
  {
    Fixture f(config_for(path));
    const OrderId id = f.buy(f.a);
    f.fill(id, "      1", "     10");
    const OrderId id2 = f.buy(f.b);
    CHECK(f.engine.cancel(f.b, id2).ok());
    f.journal.param_changed(f.b, "lots=3");
    f.journal.agent_stopped(f.b, "stopped by the desk");
    REQUIRE(f.journal.flush(5'000'000'000));
    f.journal.stop();
  }
  const auto kinds = column(path, "SELECT kind FROM records ORDER BY seq");
  const std::vector<std::string> expected = {
      "run_start",     "agent_added",  "agent_added",    "order_request", "order_update",  // submit a
      "order_update",  "order_update", "trade",                                            // accepted, filled, trade
      "order_request", "order_update", "cancel_request", "param_change",  "agent_stopped"};
  CHECK_EQ(kinds.size(), expected.size());
  for (std::size_t i = 0; i < kinds.size() && i < expected.size(); ++i) CHECK_EQ(kinds[i], expected[i]);
  const auto seqs = column(path, "SELECT seq FROM records ORDER BY seq");
  for (std::size_t i = 0; i < seqs.size(); ++i) CHECK_EQ(seqs[i], std::to_string(i + 1));
  CHECK_EQ(first(column(path, "SELECT agent_name FROM records WHERE kind='trade'")), "alpha");
  CHECK_EQ(first(column(path, "SELECT order_sys_id FROM records WHERE kind='trade'")), "      1");
  CHECK_EQ(first(column(path, "SELECT order_sys_id FROM records WHERE seq=7")), "      1");
  CHECK_EQ(first(column(path, "SELECT front_id || ':' || session_id || ':' || order_ref FROM records WHERE seq=4")),
           "1:7:100");
  CHECK_EQ(first(column(path, "SELECT status FROM records WHERE seq=7")), "filled");
  CHECK_EQ(first(column(path, "SELECT text FROM records WHERE kind='param_change'")), "lots=3");
  CHECK_EQ(first(column(path, "PRAGMA journal_mode")), "wal");

  // A second process continues the same sequence (and counts a new run).
  {
    Fixture f(config_for(path));
    CHECK_EQ(f.journal.run(), 2u);
    CHECK_EQ(f.journal.first_seq(), expected.size() + 1);
    REQUIRE(f.journal.flush(5'000'000'000));
  }
  const auto runs = column(path, "SELECT run || ':' || seq FROM records WHERE kind='run_start' ORDER BY seq");
  REQUIRE(runs.size() == 2);
  CHECK_EQ(runs[1], "2:" + std::to_string(expected.size() + 1));
}

void a_paused_writer_commits_the_backlog_in_few_transactions() {
  TempDir dir;
  const std::string path = dir.file("batch.sqlite");
  JournalConfig jc = config_for(path, 4096, 3000);
  jc.max_batch = 500;
  Journal j(jc);
  j.pause_writer(true);  // before start: not even run_start gets committed yet
  j.start();
  for (int i = 0; i < 2000; ++i) j.param_changed(0, "x=1");
  CHECK_EQ(j.backlog(), 2001u);  // + run_start
  j.pause_writer(false);
  REQUIRE(j.flush(10'000'000'000));
  const JournalStats s = j.stats();
  CHECK_EQ(s.written, 2001u);
  CHECK(s.transactions <= 6);  // 2001 records / 500 per batch (+ possibly run_start alone)
  CHECK_EQ(first(column(path, "SELECT COUNT(*) FROM records")), "2001");
}

void the_engine_refuses_orders_past_the_backlog_bound_and_loses_nothing() {
  TempDir dir;
  const std::string path = dir.file("backlog.sqlite");
  Fixture f(config_for(path, 256, 32));
  f.journal.pause_writer(true);  // the disk "stalls"
  int accepted = 0;
  InsertResult refused{};
  for (int i = 0; i < 64; ++i) {
    const InsertResult r = f.engine.insert_order(f.a, f.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit);
    if (!r.ok()) {
      refused = r;
      break;
    }
    ++accepted;
  }
  CHECK(refused.code == RejectCode::JournalBacklog);
  CHECK(std::string_view(refused.reason.view()).find("JOURNAL_BACKLOG") != std::string_view::npos);
  CHECK(accepted > 0);
  CHECK_EQ(f.gw.inserts, static_cast<std::size_t>(accepted));  // the refused order was never sent
  CHECK(f.journal.backlog() >= 32u);
  // Counter reports keep flowing into the reserve: none is dropped.
  const Order live0 = *f.engine.order(f.engine.order_manager().live()[0]);
  REQUIRE(push_order(f.gw.ring_a, monotonic_ns(), order_data(live0, OrderStatus::Queued, 0, "     99")));
  f.pump();
  CHECK(!f.engine.insert_order(f.a, f.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit).ok());
  const std::uint64_t pushed = f.journal.next_seq() - 1;
  f.journal.pause_writer(false);
  REQUIRE(f.journal.flush(10'000'000'000));
  CHECK(f.engine.insert_order(f.a, f.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit).ok());  // caught up
  REQUIRE(f.journal.flush(10'000'000'000));
  const JournalStats s = f.journal.stats();
  CHECK_EQ(s.lost, 0u);
  CHECK_EQ(s.backlog_refusals, 2u);
  CHECK(s.written > pushed);
  CHECK_EQ(first(column(f.journal.path(), "SELECT COUNT(*) FROM records")), std::to_string(s.written));
  CHECK_EQ(first(column(f.journal.path(), "SELECT MAX(seq) FROM records")), std::to_string(s.written));
  const auto refusals = column(f.journal.path(), "SELECT reject_code FROM records WHERE kind='risk_decision'");
  CHECK_EQ(refusals.size(), 2u);
  for (const auto& r : refusals) CHECK_EQ(r, "JOURNAL_BACKLOG");
  CHECK_EQ(first(column(f.journal.path(), "SELECT COUNT(*) FROM records WHERE kind='order_request'")),
           std::to_string(accepted + 1));
}

struct CapRisk final : RiskHook {
  std::size_t checks = 0;
  RiskVerdict check_order(const OrderIntent& intent, const RiskContext&) noexcept override {
    ++checks;
    if (intent.volume > 3) return RiskVerdict::reject(RejectCode::RiskMaxOrderVolume, "volume %d > 3", intent.volume);
    return RiskVerdict::accept();
  }
  RiskVerdict check_cancel(const CancelIntent&, const RiskContext&) noexcept override {
    return RiskVerdict::reject(RejectCode::RiskCancelLimit, "no cancels today");
  }
};

void risk_refusals_are_journaled_and_the_backlog_gate_runs_before_the_risk_hook() {
  TempDir dir;
  CapRisk risk;
  Fixture f(config_for(dir.file("risk.sqlite"), 64, 8));
  f.engine.set_risk_hook(&risk);
  const InsertResult big = f.engine.insert_order(f.a, f.rb, Direction::Buy, Offset::Open, 3500, 5, OrderKind::Limit);
  CHECK(big.code == RejectCode::RiskMaxOrderVolume);
  const OrderId id = f.buy(f.a, 1);
  CHECK(f.engine.cancel(f.a, id).code == RejectCode::RiskCancelLimit);
  REQUIRE(f.journal.flush(5'000'000'000));
  const auto rows = column(f.journal.path(),
                           "SELECT reject_code || '|' || flag || '|' || agent_name || '|' || text FROM records"
                           " WHERE kind='risk_decision' ORDER BY seq");
  REQUIRE(rows.size() == 2);
  CHECK_EQ(rows[0], "RISK_MAX_ORDER_VOLUME|0|alpha|volume 5 > 3");
  CHECK_EQ(rows[1], "RISK_CANCEL_LIMIT|1|alpha|no cancels today");
  f.journal.pause_writer(true);
  const std::size_t before = risk.checks;
  while (f.engine.insert_order(f.a, f.rb, Direction::Buy, Offset::Open, 3500, 1, OrderKind::Limit).ok()) {
  }
  CHECK_EQ(risk.checks - before, f.gw.inserts - 1);  // the refused order never reached the risk hook
  f.journal.pause_writer(false);
  REQUIRE(f.journal.flush(5'000'000'000));
}

// The wake comes at the end of the engine-loop iteration that wrote the request (after ReqOrderInsert,
// never between the agent's call and it): an agent acting inside on_batch is always inside run_once.
void an_order_request_wakes_a_sleeping_writer_at_the_end_of_the_loop_iteration() {
  TempDir dir;
  JournalConfig jc = config_for(dir.file("wake.sqlite"));
  jc.idle_sleep_ns = 30'000'000'000;  // the writer would otherwise sleep 30 s between drains
  jc.max_idle_sleep_ns = 30'000'000'000;
  jc.wake_on_request = true;
  Fixture f(jc);
  REQUIRE(f.journal.flush(10'000'000'000));                    // the fixture's records are committed ...
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // ... and the writer is back asleep (30 s)
  (void)f.buy(f.a);
  f.engine.run_once(0);
  // Wait (bounded, without flush(), which would wake the writer itself) for the commit.
  const std::int64_t end = monotonic_ns() + 10'000'000'000;
  while (f.journal.backlog() != 0 && monotonic_ns() < end) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_EQ(f.journal.backlog(), 0u);  // woken by the request, not by its 30 s timeout
}

ReplayRow row(RecordKind kind, std::uint64_t seq, const char* agent, std::int64_t ref) {
  ReplayRow r;
  r.kind = kind;
  r.seq = seq;
  r.run = 1;
  r.agent = agent;
  r.symbol = "rb2505";
  r.exchange = "SHFE";
  r.front_id = 1;
  r.session_id = 5;
  r.order_ref = ref;
  r.volume = 2;
  return r;
}

void replay_builds_attribution_and_per_agent_positions() {
  std::vector<ReplayRow> rows;
  rows.push_back(row(RecordKind::OrderRequest, 1, "alpha", 10));
  ReplayRow acc = row(RecordKind::OrderUpdate, 2, "alpha", 10);
  acc.status = OrderStatus::Queued;
  acc.order_sys_id = "  7";
  rows.push_back(acc);
  ReplayRow t1 = row(RecordKind::Trade, 3, "alpha", 10);
  t1.trade_id = "  70";
  rows.push_back(t1);
  ReplayRow dup = t1;  // the same trade twice must never count twice
  dup.seq = 4;
  rows.push_back(dup);
  ReplayRow sell = row(RecordKind::OrderRequest, 5, "beta", 11);
  sell.direction = Direction::Sell;
  rows.push_back(sell);
  ReplayRow t2 = row(RecordKind::Trade, 6, "beta", 11);
  t2.direction = Direction::Sell;
  t2.trade_id = "  70";  // self-trade: same TradeID, other side
  t2.volume = 1;
  rows.push_back(t2);
  ReplayRow close = row(RecordKind::Trade, 7, "alpha", 10);
  close.direction = Direction::Sell;
  close.offset = Offset::CloseToday;
  close.trade_id = "  71";
  close.volume = 1;
  rows.push_back(close);
  ReplayRow foreign = row(RecordKind::Trade, 8, "", 0);
  foreign.trade_id = "  72";
  rows.push_back(foreign);
  ReplayRow recovered = row(RecordKind::OrderUpdate, 9, "beta", 11);  // counter report after a restart
  recovered.front_id = 0;
  recovered.session_id = 0;
  recovered.status = OrderStatus::PartFilled;
  recovered.traded = 1;
  rows.push_back(recovered);

  const Replay r = replay(rows);
  CHECK_EQ(r.duplicate_trades, 1u);
  CHECK_EQ(r.trades.size(), 4u);
  CHECK((r.positions.at({"alpha", "rb2505"}) == LegPosition{1, 0}));
  CHECK((r.positions.at({"beta", "rb2505"}) == LegPosition{0, 1}));
  CHECK((r.positions.at({kUnattributed, "rb2505"}) == LegPosition{2, 0}));
  REQUIRE(r.orders.size() == 2);
  CHECK_EQ(r.orders[0].agent, "alpha");
  CHECK_EQ(r.orders[0].order_sys_id, "  7");
  CHECK(r.orders[0].status == OrderStatus::Queued);
  CHECK(r.orders[1].status == OrderStatus::PartFilled);  // matched by ref
  CHECK_EQ(r.orders[1].traded, 1);
  CHECK_EQ(r.orders[0].booked, 3);  // t1 (2 lots) and the close (1), which carry its identity; not the dup
  CHECK_EQ(r.orders[1].booked, 1);
  CHECK_EQ(r.last_seq, 9u);
}

void seeded_links_attribute_reports_and_trades_after_a_restart() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId a = engine.add_agent("alpha");
  const InstrumentIndex rb = gw.add_instrument("rb2505", "SHFE", 1.0);
  gw.host->instruments_loaded();
  OrderManager& om = engine.order_manager_for_recovery();
  CHECK(om.seed_link(a, 1, 3, 55, make_fixed<9>("SHFE"), make_fixed<21>("")));
  CHECK(om.seed_trade(make_fixed<9>("SHFE"), make_fixed<21>("   500"), Direction::Buy));
  Order before{};
  before.symbol.assign("rb2505");
  before.exchange.assign("SHFE");
  before.front_id = 1;
  before.session_id = 3;
  before.order_ref = 55;
  before.volume = 2;
  before.price = 3500;
  (void)rb;
  const std::int64_t t = monotonic_ns();
  REQUIRE(push_order(gw.ring_a, t, order_data(before, OrderStatus::Filled, 2, "   41"), true));
  REQUIRE(push_trade(gw.ring_a, t + 1, trade_data(before, "   500", "   41", 1, 3500), true));  // already booked
  REQUIRE(push_trade(gw.ring_a, t + 2, trade_data(before, "   501", "   41", 1, 3500), true));  // new to us
  for (int i = 0; i < 4; ++i) engine.run_once(0);
  REQUIRE(rec.order_count == 1);
  CHECK_EQ(rec.orders[0].agent, a);
  CHECK_EQ(rec.orders[0].id, kNoOrder);
  CHECK(rec.orders[0].status == OrderStatus::Filled);
  REQUIRE(rec.trade_count == 1);
  CHECK(rec.trades[0].trade_id == std::string_view("   501"));
  CHECK_EQ(rec.trades[0].agent, a);  // linked through the OrderSysID the report carried
  CHECK_EQ(engine.order_manager().stats().duplicate_trades, 1u);
  CHECK_EQ(engine.order_manager().stats().unknown_reports, 0u);
}

// A previous process left a close order working with one of its two lots traded (that trade journaled and
// booked); after the restart the counter's report adopts it with a real id, freezing only the unbooked lot.
void working_orders_of_a_previous_process_are_adopted_with_real_ids() {
  FakeGateway gw;
  Engine engine(EngineConfig{}, gw);
  Recorder rec;
  engine.set_dispatcher(&rec);
  const AgentId a = engine.add_agent("alpha");
  const InstrumentIndex rb = gw.add_instrument("rb2505", "SHFE", 1.0);
  engine.seed_ledger_trade(a, "rb2505", Direction::Buy, Offset::Open, 3500, 3);
  engine.seed_ledger_trade(a, "rb2505", Direction::Sell, Offset::CloseToday, 3510, 1);  // the order's 1st lot
  gw.host->instruments_loaded();
  OrderManager& om = engine.order_manager_for_recovery();
  CHECK(om.seed_link(a, 1, 3, 55, make_fixed<9>("SHFE"), make_fixed<21>("   41"), 1));
  CHECK(om.seed_trade(make_fixed<9>("SHFE"), make_fixed<21>("   500"), Direction::Sell));
  engine.set_adopt_working_orders(true);
  Order before{};
  before.symbol.assign("rb2505");
  before.exchange.assign("SHFE");
  before.front_id = 1;
  before.session_id = 3;
  before.order_ref = 55;
  before.direction = Direction::Sell;
  before.offset = Offset::CloseToday;
  before.volume = 2;
  before.price = 3510;
  Order stranger = before;  // another order nobody here placed: unattributed, before the first reconcile
  stranger.session_id = 4;
  stranger.order_ref = 9;
  stranger.direction = Direction::Buy;
  stranger.offset = Offset::Open;
  const std::uint32_t epoch = gw.host->begin_order_reconcile();
  std::int64_t t = monotonic_ns();
  REQUIRE(push_order(gw.ring_a, t, order_data(before, OrderStatus::PartFilled, 1, "   41"), true));
  REQUIRE(push_order(gw.ring_a, t + 1, order_data(stranger, OrderStatus::Queued, 0, "   42"), true));
  for (int i = 0; i < 4; ++i) engine.run_once(0);
  gw.host->end_order_reconcile(epoch, gw.front_id, gw.session_id);
  REQUIRE(rec.order_count == 2);
  const OrderUpdate adopted = rec.orders[0];
  CHECK(adopted.id != kNoOrder);
  CHECK_EQ(adopted.agent, a);
  CHECK(adopted.status == OrderStatus::PartFilled);
  CHECK_EQ(adopted.position.long_today, 2);
  CHECK_EQ(adopted.position.long_frozen, 1);  // the unbooked lot only
  CHECK(rec.orders[1].id != kNoOrder);
  CHECK_EQ(rec.orders[1].agent, kNoAgent);
  CHECK_EQ(engine.stats().orders_adopted, 2u);
  REQUIRE(engine.order(adopted.id) != nullptr);
  CHECK_EQ(engine.order(adopted.id)->order_ref, 55);

  // cancel_all reaches it (and the unattributed one through kNoAgent, as the kill switch does).
  CHECK_EQ(engine.cancel_all(a), 1u);
  CHECK_EQ(gw.last_cancel.order_ref, 55);
  CHECK_EQ(engine.cancel_all(kNoAgent), 1u);
  CHECK_EQ(gw.last_cancel.order_ref, 9);

  // Its journaled trade is a duplicate; the second lot trades, the order fills and leaves the pool.
  t = monotonic_ns();
  REQUIRE(push_trade(gw.ring_a, t, trade_data(before, "   500", "   41", 1, 3510), true));
  REQUIRE(push_trade(gw.ring_a, t + 1, trade_data(before, "   501", "   41", 1, 3510)));
  REQUIRE(push_order(gw.ring_a, t + 2, order_data(before, OrderStatus::Filled, 2, "   41")));
  for (int i = 0; i < 4; ++i) engine.run_once(0);
  REQUIRE(rec.trade_count == 1);
  CHECK_EQ(rec.trades[0].order, adopted.id);
  CHECK_EQ(rec.trades[0].agent, a);
  CHECK(engine.order(adopted.id) == nullptr);
  const PositionView v = engine.ledgers().view(a, rb);
  CHECK_EQ(v.long_today, 1);
  CHECK_EQ(v.long_frozen, 0);

  // After the first reconcile an unknown working order is another session's: reported, not adopted.
  Order later = stranger;
  later.order_ref = 10;
  REQUIRE(push_order(gw.ring_a, monotonic_ns(), order_data(later, OrderStatus::Queued, 0, "   43")));
  for (int i = 0; i < 4; ++i) engine.run_once(0);
  CHECK_EQ(rec.last_order().id, kNoOrder);
  CHECK_EQ(engine.stats().orders_adopted, 2u);
}

void agent_state_is_cut_into_consecutive_chunks_the_last_one_flagged() {
  TempDir dir;
  const std::string path = dir.file("state.sqlite");
  const std::string long_payload = "[\"notes\",\"" + std::string(400, 'x') + "\"]";  // 412 bytes: 3 chunks
  {
    Journal j(config_for(path));
    j.start();
    j.agent_added(0, "keeper");
    j.agent_state(0, "[\"bars_held\",5]");
    j.agent_state(0, long_payload);
    j.agent_state(0, "");  // still one (flagged) record: a reader never waits for a chunk that cannot come
    REQUIRE(j.flush(5'000'000'000));
  }
  const auto rows =
      column(path,
             "SELECT agent_name || ':' || code || ':' || flag || ':' || ifnull(length(text), 0) FROM records "
             "WHERE kind='agent_state' ORDER BY seq");
  const std::vector<std::string> expected = {"keeper:0:1:15", "keeper:0:0:191", "keeper:1:0:191", "keeper:2:1:30",
                                             "keeper:0:1:0"};
  CHECK_EQ(rows.size(), expected.size());
  for (std::size_t i = 0; i < rows.size() && i < expected.size(); ++i) CHECK_EQ(rows[i], expected[i]);
  const auto joined = column(path,
                             "SELECT group_concat(text, '') FROM (SELECT text FROM records WHERE "
                             "kind='agent_state' AND seq BETWEEN 4 AND 6 ORDER BY seq)");
  CHECK_EQ(first(joined), long_payload);
}

void default_path_is_one_file_per_account_per_trading_day() {
  CHECK_EQ(default_path("/data/j", "9999/00012", 20250102), "/data/j/9999_00012-20250102.journal.sqlite");
  CHECK_EQ(default_path("/data/j/", "", 20250103), "/data/j/account-20250103.journal.sqlite");
}

void a_bad_path_is_a_typed_error_naming_it() {
  bool threw = false;
  try {
    Journal j(config_for("/nonexistent-dir-shandian/x.sqlite"));
  } catch (const JournalError& e) {
    threw = std::string(e.what()).find("/nonexistent-dir-shandian/x.sqlite") != std::string::npos;
  }
  CHECK(threw);
  bool bad_bound = false;
  try {
    Journal j(config_for("/tmp/unused.sqlite", 64, 64));
  } catch (const JournalError& e) {
    bad_bound = std::string(e.what()).find("backlog_limit") != std::string::npos;
  }
  CHECK(bad_bound);
}

}  // namespace

int main() {
  records_encode_order_updates_with_identity_of_the_live_order();
  every_fact_becomes_one_row_with_gap_free_sequence_numbers();
  a_paused_writer_commits_the_backlog_in_few_transactions();
  the_engine_refuses_orders_past_the_backlog_bound_and_loses_nothing();
  replay_builds_attribution_and_per_agent_positions();
  risk_refusals_are_journaled_and_the_backlog_gate_runs_before_the_risk_hook();
  an_order_request_wakes_a_sleeping_writer_at_the_end_of_the_loop_iteration();
  seeded_links_attribute_reports_and_trades_after_a_restart();
  working_orders_of_a_previous_process_are_adopted_with_real_ids();
  agent_state_is_cut_into_consecutive_chunks_the_last_one_flagged();
  default_path_is_one_file_per_account_per_trading_day();
  a_bad_path_is_a_typed_error_naming_it();
  return finish("test_journal");
}
