// Destruction order of the runtime (run under ASan too): destroyed while the engine is live, a journal is
// open, the risk engine is installed and an order is working — nothing it points at dies before it, and
// the journal commits what was recorded. Installing twice / opening a second journal is refused.
#include <unistd.h>

#include <stdexcept>

#include "journal/replay.hpp"
#include "runtime_front.hpp"
#include "support/check.hpp"

using namespace shandian::testing;

namespace {

const std::string kFront = "instruments=rb&speed=200&seed=5&query_interval_ms=100&app_id=shandian_test";

void test_runtime_when_destroyed_live_with_journal_risk_and_working_order_is_clean_and_journal_committed() {
  char templ[] = "/tmp/shandian-runtime-journal-XXXXXX";
  const char* dir = ::mkdtemp(templ);
  REQUIRE(dir != nullptr);
  const std::string path = std::string(dir) + "/teardown.sqlite";
  OrderId working = kNoOrder;
  {
    RuntimeFront f("teardown", kFront);
    REQUIRE(f.wait_ready());
    (void)f.rt->install_risk(shandian::risk::RiskLimits{});
    bool refused = false;
    try {
      (void)f.rt->install_risk(shandian::risk::RiskLimits{});
    } catch (const std::logic_error&) {
      refused = true;
    }
    CHECK(refused);
    shandian::runtime::JournalSettings js;
    js.path = path;
    f.rt->open_journal(js).agent_added(f.agent, "test-agent");
    refused = false;
    try {
      (void)f.rt->open_journal(js);
    } catch (const std::logic_error& e) {
      refused = std::string(e.what()).find("already open") != std::string::npos;
    }
    CHECK(refused);
    const InstrumentIndex rb = f.subscribed("rb");
    REQUIRE(rb != kNoInstrument);
    working = f.rest_passive(rb);
    REQUIRE(working != kNoOrder);
    // Destroyed here: no close_journal, no shutdown — the runtime orders its own teardown.
  }
  CHECK(working != kNoOrder);
  const shandian::journal::Replay r = shandian::journal::replay(shandian::journal::read_rows(path));
  bool found = false;
  for (const shandian::journal::ReplayOrder& o : r.orders) {
    if (o.requested && o.agent == "test-agent" && o.volume == 1) found = true;
  }
  CHECK(found);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

void test_runtime_when_closed_journal_then_destroyed_is_clean() {
  char templ[] = "/tmp/shandian-runtime-journal-XXXXXX";
  const char* dir = ::mkdtemp(templ);
  REQUIRE(dir != nullptr);
  {
    RuntimeFront f("closed", kFront);
    REQUIRE(f.wait_ready());
    shandian::runtime::JournalSettings js;
    js.path = std::string(dir) + "/closed.sqlite";
    (void)f.rt->open_journal(js);
    CHECK(f.rt->close_journal(2'000'000'000));
    CHECK(f.rt->journal() == nullptr);
    CHECK(f.rt->close_journal(0));  // none open: nothing to flush
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

int main() {
  test_runtime_when_destroyed_live_with_journal_risk_and_working_order_is_clean_and_journal_committed();
  test_runtime_when_closed_journal_then_destroyed_is_clean();
  return shandian::testing::finish("test_runtime_local_teardown");
}
