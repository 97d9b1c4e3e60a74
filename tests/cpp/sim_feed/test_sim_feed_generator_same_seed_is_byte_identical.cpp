// Determinism: the same seed gives a byte-identical event stream, a different seed a different one, an
// instrument's path does not depend on which others are selected, and FrontConfig is read as documented.
#include <cstring>
#include <string>
#include <vector>

#include "feed_test_support.hpp"
#include "sim/core/front_config.hpp"

using namespace shandian::sim;
using shandian::sim::test::generate;

namespace {

bool same_bytes(const std::vector<FeedEvent>& a, const std::vector<FeedEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(FeedEvent)) != 0) return false;
  }
  return true;
}

void same_seed_same_bytes_different_seed_different_stream() {
  // Three sources advanced in lockstep (a whole night start is ~275k events: compare as we go).
  const std::vector<InstrumentSpec> all = bundled_instruments();
  GeneratorSource first(all, GeneratorOptions{7, "20250102", true, 0});
  GeneratorSource again(all, GeneratorOptions{7, "20250102", true, 0});
  GeneratorSource other(all, GeneratorOptions{8, "20250102", true, 0});
  FeedEvent a{}, b{}, c{};
  std::size_t events = 0, identical = 0, differing_ticks = 0;
  bool more_a = true, more_b = true, more_c = true;
  while (more_a || more_b) {
    more_a = first.next(a);
    more_b = again.next(b);
    if (more_c) more_c = other.next(c);
    ++events;
    identical += std::memcmp(&a, &b, sizeof(FeedEvent)) == 0;
    if (more_c && a.kind == FeedEvent::Kind::Tick && c.kind == FeedEvent::Kind::Tick &&
        std::memcmp(&a.tick, &c.tick, sizeof a.tick) != 0) {
      ++differing_ticks;
    }
  }
  CHECK(events > 200'000);
  CHECK_EQ(identical, events);  // byte for byte, padding included, through EndOfData
  CHECK(differing_ticks > events / 2);
  CHECK_EQ(first.ticks_emitted(), again.ticks_emitted());
}

void instrument_path_is_independent_of_the_selection() {
  const std::vector<InstrumentSpec> all = bundled_instruments();
  const auto together = generate(all, 99, false, "20250102", 40'000);
  const auto alone = generate(select_instruments({"cu"}), 99, false);
  std::vector<const FeedEvent*> cu_together;
  for (const FeedEvent& e : together) {
    if (e.kind == FeedEvent::Kind::Tick && e.instrument_index == 1) cu_together.push_back(&e);
  }
  std::vector<const FeedEvent*> cu_alone;
  for (const FeedEvent& e : alone) {
    if (e.kind == FeedEvent::Kind::Tick) cu_alone.push_back(&e);
  }
  REQUIRE(cu_together.size() > 1000 && cu_alone.size() >= cu_together.size());
  cu_alone.resize(cu_together.size());
  bool identical = true;
  for (std::size_t i = 0; i < cu_alone.size(); ++i) {
    identical = identical && cu_together[i]->exchange_ns == cu_alone[i]->exchange_ns &&
                std::memcmp(&cu_together[i]->tick, &cu_alone[i]->tick, sizeof(CThostFtdcDepthMarketDataField)) == 0;
  }
  CHECK(identical);
}

void front_config_fields_are_honoured() {
  FrontConfig config;
  config.seed = 7;
  config.session = "night";
  config.max_ticks = 1234;
  config.trading_day = "20250106";
  const std::unique_ptr<FeedSource> source = make_feed_source(config, select_instruments({"au", "IF"}, "20250106"));
  CHECK_EQ(std::string(source->trading_day()), std::string("20250106"));
  const auto events = shandian::sim::test::drain(*source);
  std::size_t ticks = 0;
  for (const FeedEvent& e : events) ticks += e.kind == FeedEvent::Kind::Tick;
  CHECK_EQ(ticks, 1234u);
  REQUIRE(!events.empty());
  // Monday's night session: Friday evening.
  CHECK(date_of_exchange_ns(events.front().exchange_ns) == (CivilDate{2025, 1, 3}));
  const auto direct = generate(select_instruments({"au", "IF"}, "20250106"), 7, true, "20250106", 1234);
  CHECK(same_bytes(events, direct));

  FrontConfig bad = config;
  bad.session = "evening";
  bool threw = false;
  try {
    (void)make_feed_source(bad, select_instruments({"au"}));
  } catch (const std::invalid_argument& e) {
    threw = std::string(e.what()).find("evening") != std::string::npos;
  }
  CHECK(threw);
  bad = config;
  bad.source = "kafka://x";
  threw = false;
  try {
    (void)make_feed_source(bad, select_instruments({"au"}));
  } catch (const std::invalid_argument& e) {
    threw = std::string(e.what()).find("kafka://x") != std::string::npos;
  }
  CHECK(threw);
  // Empty trading day: the fixed default, never the wall clock.
  FrontConfig defaults;
  GeneratorSource source_default(defaults, select_instruments({"rb"}));
  CHECK_EQ(std::string(source_default.trading_day()), std::string(kDefaultTradingDay));
}

}  // namespace

int main() {
  same_seed_same_bytes_different_seed_different_stream();
  instrument_path_is_independent_of_the_selection();
  front_config_fields_are_honoured();
  return shandian::testing::finish("test_sim_feed_generator_same_seed_is_byte_identical");
}
