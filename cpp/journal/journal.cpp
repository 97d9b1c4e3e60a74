#include "journal/journal.hpp"

#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/clock.hpp"

namespace shandian::journal {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS records("
    " seq INTEGER PRIMARY KEY, run INTEGER NOT NULL, kind TEXT NOT NULL, wall_ns INTEGER NOT NULL,"
    " mono_ns INTEGER, recv_ns INTEGER, agent INTEGER, agent_name TEXT, order_id INTEGER, order_ref INTEGER,"
    " front_id INTEGER, session_id INTEGER, symbol TEXT, exchange TEXT, order_sys_id TEXT, trade_id TEXT,"
    " direction TEXT, offset TEXT, order_kind TEXT, status TEXT, price REAL, volume INTEGER, traded INTEGER,"
    " code INTEGER, reject_code TEXT, flag INTEGER, text TEXT);"
    "CREATE INDEX IF NOT EXISTS records_kind ON records(kind, seq);";

constexpr const char* kInsert =
    "INSERT INTO records(seq, run, kind, wall_ns, mono_ns, recv_ns, agent, agent_name, order_id, order_ref,"
    " front_id, session_id, symbol, exchange, order_sys_id, trade_id, direction, offset, order_kind, status,"
    " price, volume, traded, code, reject_code, flag, text)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
    " ?22, ?23, ?24, ?25, ?26, ?27)";

bool is_order_kind(RecordKind k) noexcept { return k == RecordKind::OrderRequest || k == RecordKind::OrderUpdate; }

void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  if (v.empty()) {
    sqlite3_bind_null(s, i);
  } else {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
}

}  // namespace

std::string default_path(std::string_view dir, std::string_view account, std::uint32_t trading_day) {
  std::string name;
  for (const char c : account) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    name.push_back(ok ? c : '_');
  }
  if (name.empty()) name = "account";
  char day[16];
  std::snprintf(day, sizeof day, "%08u", trading_day);
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path.push_back('/');
  return path + name + "-" + day + ".journal.sqlite";
}

Journal::Journal(JournalConfig config) : config_(std::move(config)), ring_(config_.ring_capacity) {
  if (config_.backlog_limit == 0 || config_.backlog_limit >= config_.ring_capacity) {
    throw JournalError("journal backlog_limit " + std::to_string(config_.backlog_limit) +
                       " must be between 1 and ring_capacity - 1 (" + std::to_string(config_.ring_capacity) + ")");
  }
  if (config_.max_batch == 0) throw JournalError("journal max_batch must be at least 1");
  if (sqlite3_open_v2(config_.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw JournalError("journal " + config_.path + ": cannot open: " + why);
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec(kSchema);
    sqlite3_stmt* q = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(run), 0) FROM records", -1, &q, nullptr) !=
        SQLITE_OK) {
      throw JournalError("journal " + config_.path + ": " + sqlite3_errmsg(db_));
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
      next_seq_ = static_cast<std::uint64_t>(sqlite3_column_int64(q, 0)) + 1;
      run_ = static_cast<std::uint32_t>(sqlite3_column_int64(q, 1)) + 1;
    }
    sqlite3_finalize(q);
    first_seq_ = next_seq_;
    if (sqlite3_prepare_v2(db_, kInsert, -1, &insert_, nullptr) != SQLITE_OK) {
      throw JournalError("journal " + config_.path + ": " + sqlite3_errmsg(db_));
    }
  } catch (...) {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
    throw;
  }
}

Journal::~Journal() {
  stop();
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

void Journal::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    throw JournalError("journal " + config_.path + ": " + why);
  }
}

void Journal::start() {
  if (started_) return;
  started_ = true;
  writer_ = std::thread([this] { writer_loop(); });
  Record r = blank(RecordKind::RunStart);
  r.mono_ns = core::monotonic_ns();
  char text[64];
  std::snprintf(text, sizeof text, "pid=%d run=%u", static_cast<int>(::getpid()), run_);
  r.text.assign(text);
  push(r);
}

void Journal::stop() noexcept {
  if (!started_) return;
  started_ = false;
  paused_.store(false, std::memory_order_relaxed);
  // release: the writer's acquire load of stop_ then also sees every record pushed before it (the ring's
  // own release/acquire already publishes them; this only orders the flag).
  stop_.store(true, std::memory_order_release);
  { std::lock_guard lock(sleep_mutex_); }
  sleep_cv_.notify_all();
  wake_.notify();
  if (writer_.joinable()) writer_.join();
  stop_.store(false, std::memory_order_relaxed);
}

// ---- producers (engine thread) --------------------------------------------------------------------------

std::uint64_t Journal::backlog() const noexcept {
  // acquire: pairs with the writer's release after a commit (see written_).
  return pushed_ - written_.load(std::memory_order_acquire);
}

void Journal::push(Record& record) noexcept {
  record.seq = next_seq_;
  record.wall_ns = wall_ns();
  if (!ring_.try_push(record)) {
    // Reserve exhausted (writer stalled far beyond any order flow): wait rather than lose the record,
    // unless the writer has failed for good (then nothing would ever make room).
    full_waits_.fetch_add(1, std::memory_order_relaxed);
    for (;;) {
      // acquire: a failed writer's error text is published before the flag.
      if (failed_.load(std::memory_order_acquire) || !started_) {
        lost_.fetch_add(1, std::memory_order_relaxed);
        return;  // seq not consumed: the gap a reader would otherwise see is not created
      }
      std::this_thread::yield();
      if (ring_.try_push(record)) break;
    }
  }
  ++next_seq_;
  ++pushed_;
  if (config_.wake_on_request &&
      (record.kind == RecordKind::OrderRequest || record.kind == RecordKind::CancelRequest)) {
    wake_pending_ = true;
  }
  recorded_.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t b = backlog();
  if (b > max_backlog_.load(std::memory_order_relaxed)) max_backlog_.store(b, std::memory_order_relaxed);
}

core::RejectCode Journal::admit_order() noexcept {
  if (backlog() < config_.backlog_limit) return core::RejectCode::None;
  backlog_refusals_.fetch_add(1, std::memory_order_relaxed);
  return core::RejectCode::JournalBacklog;
}

void Journal::push_agent_text(RecordKind kind, AgentId agent, std::string_view text) noexcept {
  Record r = blank(kind);
  r.mono_ns = core::monotonic_ns();
  r.agent = agent;
  r.text.assign(text);
  push(r);
}

void Journal::agent_added(AgentId agent, std::string_view name) noexcept {
  push_agent_text(RecordKind::AgentAdded, agent, name);
}

void Journal::agent_stopped(AgentId agent, std::string_view reason) noexcept {
  push_agent_text(RecordKind::AgentStopped, agent, reason);
}

void Journal::param_changed(AgentId agent, std::string_view key_value) noexcept {
  push_agent_text(RecordKind::ParamChange, agent, key_value);
}

void Journal::agent_state(AgentId agent, std::string_view payload) noexcept {
  constexpr std::size_t kChunk = sizeof(Record::text) - 1;  // the terminator takes one byte
  const std::int64_t now = core::monotonic_ns();
  std::int32_t part = 0;
  std::size_t at = 0;
  do {
    Record r = blank(RecordKind::AgentState);
    r.mono_ns = now;
    r.agent = agent;
    r.code = part++;
    r.text.assign(payload.substr(at, kChunk));
    at += kChunk;
    r.flag = at >= payload.size();
    push(r);
  } while (at < payload.size());
}

void Journal::command(AgentId agent, std::string_view text) noexcept {
  push_agent_text(RecordKind::Command, agent, text);
}

void Journal::position_carried(std::string_view agent_name, const core::InstrumentId& symbol, bool is_long,
                               std::int32_t lots, double price) noexcept {
  Record r = blank(RecordKind::PositionCarry);
  r.mono_ns = core::monotonic_ns();
  r.symbol = symbol;
  r.direction = is_long ? core::Direction::Buy : core::Direction::Sell;
  r.volume = lots;
  r.price = price;
  r.text.assign(agent_name);
  push(r);
}

void Journal::on_order_update(const core::OrderUpdate& update) noexcept {
  const core::Order* order = orders_ != nullptr && update.id != core::kNoOrder ? orders_->get(update.id) : nullptr;
  Record r = order != nullptr ? encode(update, order->front_id, order->session_id, order->exchange, order->order_sys_id)
                              : encode(update, 0, 0, core::ExchangeId{}, core::OrderSysId{});
  push(r);
}

void Journal::on_trade(const core::TradeUpdate& trade) noexcept {
  Record r = encode(trade);
  if (const core::Order* order =
          orders_ != nullptr && trade.order != core::kNoOrder ? orders_->get(trade.order) : nullptr) {
    r.order_ref = order->order_ref;
    r.front_id = order->front_id;
    r.session_id = order->session_id;
    r.order_sys_id = order->order_sys_id;
  }
  push(r);
}

void Journal::on_notice(const core::SessionNotice& notice) noexcept {
  Record r = encode(notice);
  push(r);
}

void Journal::on_order_request(const core::OrderRequest& request) noexcept {
  Record r = encode(request);
  push(r);
}

void Journal::on_cancel_request(const core::CancelRequest& request) noexcept {
  Record r = encode(request);
  push(r);
}

void Journal::on_risk_decision(const core::RiskDecision& decision) noexcept {
  Record r = encode(decision);
  push(r);
}

void Journal::end_of_iteration() noexcept {
  if (!wake_pending_) return;
  wake_pending_ = false;
  wake_.notify();
}

bool Journal::flush(std::int64_t timeout_ns) noexcept {
  const std::int64_t end = core::monotonic_ns() + timeout_ns;
  while (backlog() != 0) {
    // acquire: see push().
    if (failed_.load(std::memory_order_acquire) || core::monotonic_ns() >= end) return false;
    wake_.notify();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

void Journal::pause_writer(bool paused) noexcept {
  // relaxed: a test knob; the writer re-reads it every loop.
  paused_.store(paused, std::memory_order_relaxed);
  wake_.notify();
}

JournalStats Journal::stats() const noexcept {
  // relaxed everywhere: independent counters for display.
  JournalStats s;
  s.recorded = recorded_.load(std::memory_order_relaxed);
  s.written = written_.load(std::memory_order_relaxed);
  s.transactions = transactions_.load(std::memory_order_relaxed);
  s.backlog_refusals = backlog_refusals_.load(std::memory_order_relaxed);
  s.full_waits = full_waits_.load(std::memory_order_relaxed);
  s.lost = lost_.load(std::memory_order_relaxed);
  s.write_errors = write_errors_.load(std::memory_order_relaxed);
  s.max_backlog = max_backlog_.load(std::memory_order_relaxed);
  return s;
}

std::string Journal::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

// ---- writer thread ----------------------------------------------------------------------------------------

void Journal::bind_row(const Record& r) {
  sqlite3_stmt* s = insert_;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(r.seq));
  sqlite3_bind_int64(s, 2, run_);
  bind_text(s, 3, to_string(r.kind));
  sqlite3_bind_int64(s, 4, r.wall_ns);
  sqlite3_bind_int64(s, 5, r.mono_ns);
  if (r.recv_ns != 0) sqlite3_bind_int64(s, 6, r.recv_ns);
  if (r.kind == RecordKind::AgentAdded && r.agent != core::kNoAgent) {
    if (agent_names_.size() <= r.agent) agent_names_.resize(r.agent + 1);
    agent_names_[r.agent] = std::string(r.text.view());
  }
  if (r.agent != core::kNoAgent) {
    sqlite3_bind_int64(s, 7, r.agent);
    if (r.agent < agent_names_.size()) bind_text(s, 8, agent_names_[r.agent]);
  }
  if (r.kind == RecordKind::PositionCarry) bind_text(s, 8, r.text.view());
  if (r.order_id != core::kNoOrder) sqlite3_bind_int64(s, 9, static_cast<sqlite3_int64>(r.order_id));
  if (r.order_ref != 0) sqlite3_bind_int64(s, 10, r.order_ref);
  if (r.front_id != 0 || r.session_id != 0) {
    sqlite3_bind_int64(s, 11, r.front_id);
    sqlite3_bind_int64(s, 12, r.session_id);
  }
  bind_text(s, 13, r.symbol.view());
  bind_text(s, 14, r.exchange.view());
  bind_text(s, 15, r.order_sys_id.view());
  bind_text(s, 16, r.trade_id.view());
  if (is_order_kind(r.kind) || r.kind == RecordKind::Trade || r.kind == RecordKind::PositionCarry) {
    bind_text(s, 17, core::to_string(r.direction));
    bind_text(s, 18, core::to_string(r.offset));
    sqlite3_bind_double(s, 21, r.price);
    sqlite3_bind_int64(s, 22, r.volume);
  }
  if (is_order_kind(r.kind)) {
    bind_text(s, 19, core::to_string(r.order_kind));
    bind_text(s, 20, core::to_string(r.status));
    sqlite3_bind_int64(s, 23, r.traded);
  }
  sqlite3_bind_int64(s, 24, r.code);
  if (r.reject_code != core::RejectCode::None) bind_text(s, 25, core::to_string(r.reject_code));
  sqlite3_bind_int64(s, 26, r.flag ? 1 : 0);
  bind_text(s, 27, r.text.view());
}

bool Journal::write_batch(const std::vector<Record>& batch) {
  const auto fail = [this](const char* what) {
    {
      std::lock_guard lock(error_mutex_);
      error_ = std::string("journal ") + config_.path + ": " + what + ": " + sqlite3_errmsg(db_);
    }
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  };
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("BEGIN");
  for (const Record& r : batch) {
    bind_row(r);
    if (sqlite3_step(insert_) != SQLITE_DONE) return fail("INSERT");
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("COMMIT");
  {
    std::lock_guard lock(error_mutex_);
    error_.clear();
  }
  return true;
}

void Journal::writer_loop() {
  // Lower this thread's priority so commits never take the CPU from the engine or the CTP callback threads
  // (see WriterPriority). Lowering needs no privilege; a failure is harmless (an ordinary thread then).
  if (config_.writer_priority != WriterPriority::Normal) {
    sched_param none{};
    const int policy = config_.writer_priority == WriterPriority::Idle ? SCHED_IDLE : SCHED_BATCH;
    (void)::pthread_setschedparam(::pthread_self(), policy, &none);
  }
  if (config_.writer_priority != WriterPriority::Idle && config_.writer_nice != 0) {
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), config_.writer_nice);
  }
  std::vector<Record> batch;
  batch.reserve(config_.max_batch);
  int consecutive_failures = 0;
  std::int64_t idle_sleep_ns = config_.idle_sleep_ns;
  for (;;) {
    // acquire: pairs with stop()'s release store.
    const bool stopping = stop_.load(std::memory_order_acquire);
    // relaxed: test knob (see pause_writer).
    if (batch.empty() && (!paused_.load(std::memory_order_relaxed) || stopping)) {
      while (batch.size() < config_.max_batch) {
        Record* r = ring_.front();
        if (r == nullptr) break;
        batch.push_back(*r);
        ring_.pop();
      }
    }
    if (!batch.empty()) {
      if (write_batch(batch)) {
        consecutive_failures = 0;
        transactions_.fetch_add(1, std::memory_order_relaxed);
        // release: the engine thread's acquire load of written_ then knows these records are committed.
        written_.fetch_add(batch.size(), std::memory_order_release);
        batch.clear();
        idle_sleep_ns = config_.idle_sleep_ns;
        continue;
      }
      // Keep the batch and retry: the backlog grows and the engine refuses new orders meanwhile. After
      // many failures in a row (~10 s) the writer is declared failed so a stopping process can exit.
      if (++consecutive_failures >= 100) {
        // release: publishes error_ (written under its mutex anyway) before the flag.
        failed_.store(true, std::memory_order_release);
        if (stopping) return;
      }
      std::unique_lock lock(sleep_mutex_);
      sleep_cv_.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    if (stopping) return;
    // Woken early by a request (or stop/flush/pause); otherwise by the timeout. acquire: see stop().
    // ready: work to drain (front() is this consumer's side of the ring), or stop. relaxed: see pause_writer.
    (void)wake_.wait_for(
        [this] {
          return stop_.load(std::memory_order_acquire) ||
                 (!paused_.load(std::memory_order_relaxed) && ring_.front() != nullptr);
        },
        std::chrono::nanoseconds(idle_sleep_ns));
    // Busy again after a commit: back to the short sleep; idle: fewer wakeups on a shared machine.
    idle_sleep_ns = std::min(idle_sleep_ns * 2, std::max(config_.idle_sleep_ns, config_.max_idle_sleep_ns));
  }
}

}  // namespace shandian::journal
