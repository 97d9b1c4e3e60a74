// The one list of risk limits (risk/risk_limits.hpp): for_each_limit_field visits each field once, with a
// unique name and a known kind, and the struct defaults are the list's.
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "risk/risk_limits.hpp"
#include "support/check.hpp"

using namespace shandian::risk;

namespace {

template <class Limits>
void limit_fields_visit_every_member_once_with_a_known_kind() {
  std::set<std::string_view> names;
  std::size_t bytes = 0;
  for_each_limit_field(static_cast<const Limits*>(nullptr), [&](const LimitField& f, auto member) {
    CHECK(!f.name.empty());
    CHECK(names.insert(f.name).second);
    CHECK(to_string(f.kind) != "unknown");
    bytes += sizeof(std::declval<Limits&>().*member);
  });
  CHECK(!names.empty());
  CHECK(bytes > 0 && bytes <= sizeof(Limits));
}

void defaults_come_from_the_list() {
  const InstrumentLimits instrument{};
  CHECK(instrument.fak_fok_cancels_exempt);
  CHECK(instrument.self_trade_prevention);
  CHECK(instrument.session_gate);
  CHECK(!instrument.unfilled_fak_fok_two_messages);
  CHECK_EQ(instrument.stale_after_ms, 0);
  const AgentLimits agent{};
  CHECK(agent.enabled);
  CHECK(!agent.check_capital);
  CHECK_EQ(agent.order_rate[0].limit, 0U);
  const AccountLimits account{};
  CHECK(account.daily_loss_kills);
}

}  // namespace

int main() {
  for (const auto& entry : enum_names(LimitKind{}))
    CHECK_EQ(std::string(to_string(entry.value)), std::string(entry.name));
  for (const auto& entry : enum_names(TradingState{}))
    CHECK(shandian::core::from_name<TradingState>(entry.name) == entry.value);
  CHECK_EQ(std::string(to_string(TradingState::Reducing)), std::string("reducing"));
  limit_fields_visit_every_member_once_with_a_known_kind<AgentLimits>();
  limit_fields_visit_every_member_once_with_a_known_kind<InstrumentLimits>();
  limit_fields_visit_every_member_once_with_a_known_kind<AccountLimits>();
  defaults_come_from_the_list();
  return shandian::testing::finish("test_risk_limit_fields");
}
