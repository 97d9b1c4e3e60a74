// The bundled table: real specs with a cited source, contract months rolled to the trading day, and
// select_instruments accepting product or instrument ids and rejecting anything else with a typed error.
#include <string>
#include <vector>

#include "sim/feed/feed.hpp"
#include "support/check.hpp"

using namespace shandian::sim;

namespace {

std::vector<std::string> ids(const std::vector<InstrumentSpec>& specs) {
  std::vector<std::string> out;
  for (const InstrumentSpec& s : specs) out.push_back(s.instrument_id);
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

void table_rows_are_complete_and_cited() {
  const std::vector<InstrumentSpec>& table = bundled_instruments();
  REQUIRE(table.size() >= 6);
  CHECK_EQ(joined(ids(table)), std::string("rb2505,cu2502,au2506,IF2501,m2505,SR505"));
  for (const InstrumentSpec& s : table) {
    CHECK(!s.product_id.empty() && !s.exchange_id.empty());
    CHECK(s.price_tick > 0 && s.volume_multiple > 0);
    CHECK(s.reference_price > 0 && s.on_tick(s.reference_price));
    CHECK(s.long_margin_ratio > 0 && s.short_margin_ratio > 0);
    CHECK(s.limit_ratio > 0 && s.limit_ratio < 0.2);
    CHECK(s.max_limit_order_volume >= s.min_limit_order_volume && s.min_limit_order_volume >= 1);
    CHECK(s.max_market_order_volume >= s.min_market_order_volume);
    CHECK(s.open_ratio_by_money > 0 || s.open_ratio_by_volume > 0);
    CHECK(s.source.find("ctp-semantics.md") != std::string::npos);
    CHECK(s.source.find("unverified") != std::string::npos);  // fee/margin figures are flagged
  }
  const InstrumentSpec& rb = table[0];
  CHECK(rb.exchange == ExchangeKind::SHFE && rb.sessions == SessionGroup::Night2300);
  CHECK_EQ(rb.price_tick, 1.0);
  CHECK_EQ(rb.volume_multiple, 10);
  const InstrumentSpec& cu = table[1];
  CHECK(cu.sessions == SessionGroup::Night0100 && cu.volume_multiple == 5 && cu.price_tick == 10.0);
  const InstrumentSpec& au = table[2];
  CHECK(au.sessions == SessionGroup::Night0230 && au.volume_multiple == 1000 && au.on_tick(0.02));
  const InstrumentSpec& index_future = table[3];
  CHECK(index_future.exchange == ExchangeKind::CFFEX && index_future.sessions == SessionGroup::CffexIndex);
  CHECK_EQ(index_future.volume_multiple, 300);
  CHECK(table[4].exchange == ExchangeKind::DCE && table[4].exchange_id == "DCE");
  CHECK(table[5].exchange == ExchangeKind::CZCE && table[5].exchange_id == "CZCE");
  CHECK(&bundled_instruments() == &table);  // one immutable table
}

void contract_months_follow_the_trading_day() {
  CHECK_EQ(joined(ids(bundled_instruments("20250102"))), std::string("rb2505,cu2502,au2506,IF2501,m2505,SR505"));
  // IF rolls after the third Friday (2025-01-17).
  CHECK_EQ(joined(ids(bundled_instruments("20250117"))), std::string("rb2505,cu2502,au2506,IF2501,m2505,SR505"));
  CHECK_EQ(joined(ids(bundled_instruments("20250120"))), std::string("rb2505,cu2502,au2506,IF2502,m2505,SR505"));
  CHECK_EQ(joined(ids(bundled_instruments("20250415"))), std::string("rb2510,cu2505,au2506,IF2504,m2509,SR509"));
  CHECK_EQ(joined(ids(bundled_instruments("20251215"))), std::string("rb2605,cu2601,au2606,IF2512,m2605,SR605"));
  CHECK_EQ(contract_for_trading_day(bundled_instruments()[5], "20290702"), std::string("SR909"));
  bool threw = false;
  try {
    (void)bundled_instruments("20250104");  // a Saturday
  } catch (const InvalidTradingDayError& e) {
    threw = std::string(e.what()).find("20250104") != std::string::npos;
  }
  CHECK(threw);
}

void select_accepts_products_and_instrument_ids() {
  CHECK_EQ(select_instruments({}).size(), bundled_instruments().size());
  CHECK_EQ(joined(ids(select_instruments({"rb", "SR505", "IF"}))), std::string("rb2505,SR505,IF2501"));
  CHECK_EQ(joined(ids(select_instruments({"rb2510"}))), std::string("rb2510"));              // another listed month
  CHECK_EQ(joined(ids(select_instruments({"rb", "rb2505", "rb"}))), std::string("rb2505"));  // duplicates dropped
  CHECK_EQ(joined(ids(select_instruments({"m", "cu"}, "20250415"))), std::string("m2509,cu2505"));
  const std::vector<InstrumentSpec> picked = select_instruments({"au2512"});
  REQUIRE(picked.size() == 1);
  CHECK_EQ(picked[0].product_id, std::string("au"));
  CHECK_EQ(picked[0].volume_multiple, 1000);
}

void select_rejects_unknown_names_with_a_typed_error() {
  for (const std::string bad : {"xx", "RB", "rb25", "rb9913", "SR2505", "if2501", "rb2505 ", ""}) {
    bool threw = false;
    try {
      (void)select_instruments({"rb", bad});
    } catch (const UnknownInstrumentError& e) {
      const std::string what = e.what();
      threw = e.unknown_name() == bad && what.find("'" + bad + "'") != std::string::npos &&
              what.find("rb, cu, au, IF, m, SR") != std::string::npos;
    }
    CHECK(threw);
  }
  // It is an std::invalid_argument, so generic handlers catch it too.
  bool generic = false;
  try {
    (void)select_instruments({"zz"});
  } catch (const std::invalid_argument&) {
    generic = true;
  }
  CHECK(generic);
}

}  // namespace

int main() {
  table_rows_are_complete_and_cited();
  contract_months_follow_the_trading_day();
  select_accepts_products_and_instrument_ids();
  select_rejects_unknown_names_with_a_typed_error();
  return shandian::testing::finish("test_sim_feed_instrument_table_rolls_months_and_rejects_unknown_names");
}
