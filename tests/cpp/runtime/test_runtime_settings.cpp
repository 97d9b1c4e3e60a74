// Runtime settings: each bad value raises SettingsError naming the field, the value and the rule, before
// anything is built (no library is loaded for a bad setting); good values reach the component configs.
#include <string>

#include "runtime/runtime.hpp"
#include "support/check.hpp"

using namespace shandian;
using runtime::SettingsError;

namespace {

template <class Fn>
std::string error_of(Fn fn, std::string* field = nullptr) {
  try {
    fn();
  } catch (const SettingsError& e) {
    if (field != nullptr) *field = e.field();
    return e.what();
  }
  return "";
}

void test_settings_when_engine_values_valid_reach_engine_config() {
  runtime::EngineSettings s;
  s.wait = "spin";
  s.max_live_orders = 100;
  s.orders_per_day = 200;
  s.trades_per_day = 300;
  s.max_agents = 8;
  s.max_events_per_batch = 16;
  s.max_wait_ms = 2.5;
  const core::EngineConfig c = runtime::engine_config(s);
  CHECK(c.wait == queue::WaitStrategy::Spin);
  CHECK_EQ(c.orders.live_orders, std::size_t{100});
  CHECK_EQ(c.orders.orders_per_day, std::size_t{200});
  CHECK_EQ(c.orders.trades_per_day, std::size_t{300});
  CHECK_EQ(c.max_agents, std::size_t{8});
  CHECK_EQ(c.max_events_per_batch, std::size_t{16});
  CHECK_EQ(c.max_wait_ns, std::int64_t{2'500'000});
}

void test_settings_when_engine_value_bad_names_field_value_and_rule() {
  std::string field;
  runtime::EngineSettings s;
  s.wait = "busy";
  CHECK_EQ(error_of([&] { (void)runtime::engine_config(s); }, &field),
           std::string("wait = 'busy': must be 'spin', 'yield' or 'block'"));
  CHECK_EQ(field, std::string("wait"));
  s = {};
  s.max_agents = 65;
  CHECK(error_of([&] { (void)runtime::engine_config(s); }, &field).find("must be in 1..64") != std::string::npos);
  CHECK_EQ(field, std::string("max_agents"));
  s = {};
  s.max_live_orders = 0;
  CHECK_EQ(error_of([&] { (void)runtime::engine_config(s); }), std::string("max_live_orders = 0: must be at least 1"));
  s = {};
  s.max_wait_ms = -1.0;
  CHECK(error_of([&] { (void)runtime::engine_config(s); }, &field).find("finite number >= 0") != std::string::npos);
  CHECK_EQ(field, std::string("max_wait_ms"));
}

void test_settings_when_journal_values_checked_priority_parsed() {
  runtime::JournalSettings j;
  j.path = "/tmp/x.sqlite";
  j.writer_priority = "idle";
  j.wake_on_request = true;
  const journal::JournalConfig c = runtime::journal_config(j);
  CHECK(c.writer_priority == journal::WriterPriority::Idle);
  CHECK(c.wake_on_request);
  CHECK_EQ(c.path, std::string("/tmp/x.sqlite"));
  j.writer_priority = "urgent";
  CHECK_EQ(error_of([&] { (void)runtime::journal_config(j); }),
           std::string("writer_priority = 'urgent': must be 'idle', 'batch' or 'normal'"));
  j = {};
  CHECK(error_of([&] { (void)runtime::journal_config(j); }).find("needs a file path") != std::string::npos);
}

void test_settings_when_runtime_setting_bad_fails_before_library_is_loaded() {
  runtime::RuntimeSettings s;
  s.library_dir = "/nonexistent/ctp";  // would be a LibraryError if the library were loaded first
  s.engine.wait = "never";
  std::string field;
  CHECK(!error_of([&] { runtime::Runtime rt(s); }, &field).empty());
  CHECK_EQ(field, std::string("wait"));
}

}  // namespace

int main() {
  test_settings_when_engine_values_valid_reach_engine_config();
  test_settings_when_engine_value_bad_names_field_value_and_rule();
  test_settings_when_journal_values_checked_priority_parsed();
  test_settings_when_runtime_setting_bad_fails_before_library_is_loaded();
  return shandian::testing::finish("test_runtime_settings");
}
