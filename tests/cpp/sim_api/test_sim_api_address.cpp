// The front address parser (cpp/sim/api/front_address.hpp): every FrontConfig field has a key, values
// parse into the config, unknown keys / bad values / duplicates are typed errors naming key and value,
// tcp:// resolves through SHANDIAN_LOCAL_FRONT or to local://default. Also the GBK helpers.
#include <string>

#include "../support/check.hpp"
#include "sim/api/front_address.hpp"
#include "sim/api/gbk.hpp"

using namespace shandian::sim;

int main() {
  {
    const auto p = parse_front_address("local://alpha");
    REQUIRE(p.ok());
    CHECK_EQ(p.address->config.name, std::string("alpha"));
    CHECK(p.address->settings.empty());
    CHECK(p.address->wait == WaitStrategy::Block);
    CHECK_EQ(p.address->config.speed, 1.0);
  }
  {
    const auto p = parse_front_address(
        "local://beta?broker_id=9999&app_id=client_test&auth_code=0000000000000000&require_auth=0"
        "&require_settlement_confirm=false&trading_day=20250103&initial_balance=500000.5"
        "&positions=rb2505:long:5,cu2502:short:2:75000&source=csv:%2Ftmp%2Fticks.csv&seed=99"
        "&instruments=rb,IF2501&speed=0&session=night&max_ticks=1000&queue_model=optimistic"
        "&query_interval_ms=0&order_rate_limit=5&disconnect_after=10&reconnect_ms=50&reply_delay_us=7"
        "&md_drop_ratio=0.25&duplicate_replay=yes&wait=spin&password=p%26w&login_fail_limit=9"
        "&ip_login_fail_limit=100&max_sessions=6&exchange_delay_ms=250");
    REQUIRE(p.ok());
    const FrontConfig& c = p.address->config;
    CHECK_EQ(c.name, std::string("beta"));
    CHECK_EQ(c.broker_id, std::string("9999"));
    CHECK_EQ(c.app_id, std::string("client_test"));
    CHECK_EQ(c.auth_code, std::string("0000000000000000"));
    CHECK(!c.require_auth);
    CHECK(!c.require_settlement_confirm);
    CHECK_EQ(c.trading_day, std::string("20250103"));
    CHECK_EQ(c.initial_balance, 500000.5);
    REQUIRE(c.positions.size() == 2);
    CHECK_EQ(c.positions[0].instrument_id, std::string("rb2505"));
    CHECK(c.positions[0].is_long);
    CHECK_EQ(c.positions[0].volume, 5);
    CHECK(!c.positions[1].is_long);
    CHECK_EQ(c.positions[1].price, 75000.0);
    CHECK_EQ(c.source, std::string("csv:/tmp/ticks.csv"));
    CHECK_EQ(c.seed, std::uint64_t{99});
    REQUIRE(c.instruments.size() == 2);
    CHECK_EQ(c.instruments[1], std::string("IF2501"));
    CHECK_EQ(c.speed, 0.0);
    CHECK_EQ(c.session, std::string("night"));
    CHECK_EQ(c.max_ticks, 1000);
    CHECK(c.queue_model == QueueModel::Optimistic);
    CHECK_EQ(c.query_interval_ms, 0);
    CHECK_EQ(c.order_rate_limit, 5);
    CHECK_EQ(c.disconnect_after, 10);
    CHECK_EQ(c.reconnect_ms, 50);
    CHECK_EQ(c.reply_delay_us, 7);
    CHECK_EQ(c.md_drop_ratio, 0.25);
    CHECK(c.duplicate_replay);
    CHECK(p.address->wait == WaitStrategy::Spin);
    CHECK_EQ(c.password, std::string("p&w"));
    CHECK_EQ(c.login_fail_limit, 9);
    CHECK_EQ(c.ip_login_fail_limit, 100);
    CHECK_EQ(c.max_sessions, 6);
    CHECK_EQ(c.exchange_delay_ms, 250);
    // Canonical settings: sorted by key, so the same settings in another order compare equal.
    const auto q = parse_front_address("local://x?speed=2&seed=1");
    const auto r = parse_front_address("local://x?seed=1&speed=2");
    REQUIRE(q.ok() && r.ok());
    CHECK_EQ(q.address->settings, r.address->settings);
  }
  // Every FrontConfig field has a key (30 FrontConfig fields minus `name`, plus `wait`).
  CHECK_EQ(front_address_keys().size(), std::size_t{30});

  auto expect_error = [](const char* address, AddressError::Code code, const char* key, const char* value) {
    const auto p = parse_front_address(address);
    CHECK(!p.ok());
    if (p.ok()) return;
    CHECK(p.error.code == code);
    CHECK_EQ(p.error.key, std::string(key));
    CHECK_EQ(p.error.value, std::string(value));
    CHECK(p.error.message.find(address) != std::string::npos);
    if (*key) CHECK(p.error.message.find(key) != std::string::npos);
  };
  expect_error("local://n?bogus=1", AddressError::Code::UnknownKey, "bogus", "1");
  expect_error("local://n?speed=fast", AddressError::Code::BadValue, "speed", "fast");
  expect_error("local://n?speed=-1", AddressError::Code::BadValue, "speed", "-1");
  expect_error("local://n?md_drop_ratio=1.5", AddressError::Code::BadValue, "md_drop_ratio", "1.5");
  expect_error("local://n?require_auth=maybe", AddressError::Code::BadValue, "require_auth", "maybe");
  expect_error("local://n?trading_day=2025-01-02", AddressError::Code::BadValue, "trading_day", "2025-01-02");
  expect_error("local://n?positions=rb2505:up:5", AddressError::Code::BadValue, "positions", "rb2505:up:5");
  expect_error("local://n?wait=sleep", AddressError::Code::BadValue, "wait", "sleep");
  expect_error("local://n?session=morning", AddressError::Code::BadValue, "session", "morning");
  expect_error("local://n?queue_model=fifo", AddressError::Code::BadValue, "queue_model", "fifo");
  expect_error("local://n?source=kafka", AddressError::Code::BadValue, "source", "kafka");
  expect_error("local://n?max_ticks=12x", AddressError::Code::BadValue, "max_ticks", "12x");
  expect_error("local://n?seed=1&seed=2", AddressError::Code::DuplicateKey, "seed", "2");
  // days: 1..366, and a roll regenerates the next day's feed (gen only) without a state log.
  {
    const auto d = parse_front_address("local://n?days=3");
    REQUIRE(d.ok());
    CHECK_EQ(d.address->config.days, 3);
  }
  expect_error("local://n?days=0", AddressError::Code::BadValue, "days", "0");
  expect_error("local://n?days=2&source=csv:/x.csv", AddressError::Code::BadValue, "days", "2");
  expect_error("local://n?days=2&state=/tmp/s.log", AddressError::Code::BadValue, "days", "2");
  expect_error("local://n?speed", AddressError::Code::MalformedPair, "speed", "");
  expect_error("local://n?source=csv:%zz", AddressError::Code::MalformedPair, "source=csv:%zz", "");
  expect_error("local://", AddressError::Code::BadName, "", "");
  expect_error("local://a/b", AddressError::Code::BadName, "", "");
  expect_error("http://n", AddressError::Code::BadScheme, "", "");

  // tcp:// and ssl://: SHANDIAN_LOCAL_FRONT when set, else local://default.
  {
    const auto p = resolve_front_address("tcp://182.254.243.31:30001", nullptr);
    REQUIRE(p.ok());
    CHECK_EQ(p.address->config.name, std::string("default"));
    const auto e = resolve_front_address("tcp://1.2.3.4:5", "local://desk?speed=10");
    REQUIRE(e.ok());
    CHECK_EQ(e.address->config.name, std::string("desk"));
    CHECK_EQ(e.address->config.speed, 10.0);
    const auto bad = resolve_front_address("ssl://1.2.3.4:5", "local://desk?nope=1");
    CHECK(!bad.ok());
    CHECK(bad.error.code == AddressError::Code::BadEnvironment);
    CHECK_EQ(bad.error.key, std::string("nope"));
    CHECK(bad.error.message.find("SHANDIAN_LOCAL_FRONT") != std::string::npos);
    const auto local = resolve_front_address("local://mine?speed=3", "local://desk");
    REQUIRE(local.ok());
    CHECK_EQ(local.address->config.name, std::string("mine"));
  }

  // GBK: the QryFreq message round-trips through iconv, and copy_field never splits a character.
  {
    const std::string gbk = utf8_to_gbk("CTP：查询未就绪，请稍后重试");
    CHECK_EQ(gbk.size(), std::size_t{3 + 2 * 12});
    CHECK_EQ(gbk_to_utf8(gbk), std::string("CTP：查询未就绪，请稍后重试"));
    char small[6];
    copy_field(small, utf8_to_gbk("中文字"));  // 6 bytes of GBK into 5 usable: two characters
    CHECK_EQ(std::string(small).size(), std::size_t{4});
  }
  return shandian::testing::finish("test_sim_api_address");
}
