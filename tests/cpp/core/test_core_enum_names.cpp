// The one-list enums (core/types.hpp, engine.hpp, conditional.hpp, dispatch.hpp): to_string names every declared value
// (and only those), names and values are unique, and the stats struct's field list covers every counter.
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>

#include "core/engine.hpp"
#include "core/types.hpp"
#include "support/check.hpp"

using namespace shandian::core;

namespace {

template <class E>
void to_string_names_every_declared_value_and_nothing_else(std::string_view unknown) {
  using U = std::underlying_type_t<E>;
  const auto entries = enum_names(E{});
  CHECK(!entries.empty());
  std::set<std::string_view> names;
  std::set<std::uint32_t> values;
  for (const auto& entry : entries) {
    CHECK(!entry.name.empty());
    CHECK(entry.name != unknown);
    CHECK(names.insert(entry.name).second);  // unique names (the binding would refuse a duplicate)
    CHECK(values.insert(static_cast<std::uint32_t>(entry.value)).second);
    CHECK_EQ(std::string(to_string(entry.value)), std::string(entry.name));
    CHECK(from_name<E>(entry.name) == entry.value);
  }
  CHECK(!from_name<E>(unknown).has_value());
  CHECK(!from_name<E>("").has_value());
  // Every raw value of the underlying type: declared ones have their own name, the rest the fallback.
  for (std::uint32_t raw = 0; raw <= std::numeric_limits<U>::max(); ++raw) {
    const std::string_view name = to_string(static_cast<E>(raw));
    if (values.contains(raw)) {
      CHECK(name != unknown);
    } else if (name != unknown) {
      CHECK_EQ(std::string(name), std::string(unknown));
    }
  }
}

void reject_codes_include_agent_stopped_and_keep_their_names() {
  CHECK_EQ(std::string(to_string(RejectCode::AgentStopped)), std::string("AGENT_STOPPED"));
  CHECK_EQ(std::string(to_string(RejectCode::RiskMaxOrderVolume)), std::string("RISK_MAX_ORDER_VOLUME"));
  CHECK_EQ(static_cast<int>(RejectCode::JournalBacklog), 200);
  CHECK_EQ(std::string(to_string(OrderStatus::PartFilled)), std::string("part_filled"));
  CHECK_EQ(std::string(to_string(Offset::CloseYesterday)), std::string("close_yesterday"));
}

void engine_stats_field_list_covers_every_counter() {
  EngineStats stats;
  std::size_t fields = 0;
  std::uint64_t next = 1;
  // Give every field a distinct value through the struct's bytes, then read them back through the list.
  auto* raw = reinterpret_cast<std::uint64_t*>(&stats);
  for (std::size_t i = 0; i < sizeof(EngineStats) / sizeof(std::uint64_t); ++i) raw[i] = next++;
  std::set<std::uint64_t> seen;
  std::set<std::string_view> names;
  for_each_field(stats, [&](std::string_view name, std::uint64_t value) {
    ++fields;
    seen.insert(value);
    CHECK(names.insert(name).second);
  });
  CHECK_EQ(fields * sizeof(std::uint64_t), sizeof(EngineStats));
  CHECK_EQ(seen.size(), fields);
  CHECK(names.contains("conditionals_triggered"));
  CHECK(names.contains("conditional_children"));
}

}  // namespace

int main() {
  to_string_names_every_declared_value_and_nothing_else<Direction>("unknown");
  to_string_names_every_declared_value_and_nothing_else<Offset>("unknown");
  to_string_names_every_declared_value_and_nothing_else<OrderKind>("unknown");
  to_string_names_every_declared_value_and_nothing_else<OrderStatus>("unknown");
  to_string_names_every_declared_value_and_nothing_else<RejectCode>("UNKNOWN_REJECT_CODE");
  to_string_names_every_declared_value_and_nothing_else<OffsetMode>("unknown");
  to_string_names_every_declared_value_and_nothing_else<ConditionalKind>("unknown");
  to_string_names_every_declared_value_and_nothing_else<TriggerSource>("unknown");
  to_string_names_every_declared_value_and_nothing_else<SessionNoticeKind>("unknown");
  to_string_names_every_declared_value_and_nothing_else<BatchItemKind>("unknown");
  reject_codes_include_agent_stopped_and_keep_their_names();
  engine_stats_field_list_covers_every_counter();
  return shandian::testing::finish("test_core_enum_names");
}
