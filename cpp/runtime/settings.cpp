#include "runtime/settings.hpp"

#include <cmath>
#include <cstdint>

#include "queue/wait_strategy.hpp"

namespace shandian::runtime {
namespace {

void require_positive(const char* field, std::size_t value) {
  if (value == 0) throw SettingsError(field, "0", "must be at least 1");
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

core::EngineConfig engine_config(const EngineSettings& s) {
  core::EngineConfig c;
  const auto strategy = queue::parse_wait_strategy(s.wait);
  if (!strategy) throw SettingsError("wait", quoted(s.wait), "must be 'spin', 'yield' or 'block'");
  c.wait = *strategy;
  require_positive("max_instruments", s.max_instruments);
  require_positive("max_live_orders", s.max_live_orders);
  require_positive("orders_per_day", s.orders_per_day);
  require_positive("trades_per_day", s.trades_per_day);
  require_positive("max_events_per_batch", s.max_events_per_batch);
  require_positive("bar_history", s.bar_history);
  if (s.max_agents == 0 || s.max_agents > 64) {
    throw SettingsError("max_agents", std::to_string(s.max_agents), "must be in 1..64 (subscriber masks are 64-bit)");
  }
  if (!std::isfinite(s.max_wait_ms) || s.max_wait_ms < 0.0) {
    throw SettingsError("max_wait_ms", std::to_string(s.max_wait_ms), "must be a finite number >= 0");
  }
  c.max_instruments = s.max_instruments;
  c.orders.live_orders = s.max_live_orders;
  c.orders.orders_per_day = s.orders_per_day;
  c.orders.trades_per_day = s.trades_per_day;
  c.max_agents = s.max_agents;
  c.max_events_per_batch = s.max_events_per_batch;
  c.max_wait_ns = static_cast<std::int64_t>(s.max_wait_ms * 1e6);
  c.bar_history = s.bar_history;
  return c;
}

journal::JournalConfig journal_config(const JournalSettings& s) {
  journal::JournalConfig c;
  if (s.path.empty()) throw SettingsError("path", "''", "the journal needs a file path");
  require_positive("ring_capacity", s.ring_capacity);
  require_positive("backlog_limit", s.backlog_limit);
  c.path = s.path;
  c.ring_capacity = s.ring_capacity;
  c.backlog_limit = s.backlog_limit;
  if (s.writer_priority == "idle")
    c.writer_priority = journal::WriterPriority::Idle;
  else if (s.writer_priority == "batch")
    c.writer_priority = journal::WriterPriority::Batch;
  else if (s.writer_priority == "normal")
    c.writer_priority = journal::WriterPriority::Normal;
  else
    throw SettingsError("writer_priority", quoted(s.writer_priority), "must be 'idle', 'batch' or 'normal'");
  c.wake_on_request = s.wake_on_request;
  return c;
}

}  // namespace shandian::runtime
