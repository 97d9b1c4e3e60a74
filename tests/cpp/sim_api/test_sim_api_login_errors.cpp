// Login refusals the way a CTP counter produces them (error.xml prompts, ctp-semantics.md §1), through the
// built trader library: 5 DUPLICATE_LOGIN (a second login on a logged-in session), 3 then 75
// LOGIN_FORBIDDEN (consecutive failed logins of a user beyond login_fail_limit, for every session of that
// user), 143 IP_FORBIDDEN (failed logins from the client's IP beyond ip_login_fail_limit, whatever the
// user), 60 SINGLEUSERSESSION_EXCEED_LIMIT (more logged-in sessions of one user than max_sessions).
#include <memory>
#include <string>
#include <vector>

#include "../support/check.hpp"
#include "sim/api/gbk.hpp"
#include "sim_api_support.hpp"

using namespace sim_test;

namespace {

// A trader connected to `address` (a flow directory of its own).
std::unique_ptr<Trader> connect(const std::string& address) {
  static int n = 0;  // test-binary-only: distinct flow directories
  auto t = std::make_unique<Trader>(address, make_flow_dir("login-" + std::to_string(++n)));
  REQUIRE(t->spi.rec.wait([&] { return t->spi.connected == 1; }));
  return t;
}

// One ReqUserLogin; returns its ErrorID (0: logged in) and the GBK ErrorMsg in `text`.
int login(Trader& t, const std::string& user, const std::string& password, std::string* text = nullptr) {
  TraderSpi& spi = t.spi;
  const auto [ok_before, refused_before] =
      spi.rec.read([&] { return std::make_pair(spi.login_ok, spi.refusals.size()); });
  CThostFtdcReqUserLoginField f{};
  SIM_FILL(f.BrokerID, "9999");
  SIM_FILL(f.UserID, user);
  SIM_FILL(f.Password, password);
  REQUIRE(t.api->ReqUserLogin(&f, ++t.request_id) == 0);
  REQUIRE(spi.rec.wait([&] { return spi.login_ok > ok_before || spi.refusals.size() > refused_before; }));
  return spi.rec.read([&] {
    if (spi.login_ok > ok_before) return 0;
    if (text) *text = spi.refusals.back().second;
    return spi.refusals.back().first;
  });
}

std::string gbk(const char* utf8) { return shandian::sim::utf8_to_gbk(utf8); }

void duplicate_login() {
  auto t = connect("local://login-dup?instruments=rb&trading_day=20250102&require_auth=0");
  CHECK_EQ(login(*t, "u1", "pw"), 0);
  std::string text;
  CHECK_EQ(login(*t, "u1", "pw", &text), 5);
  CHECK_EQ(text, gbk("CTP:重复的登录"));
  CHECK_EQ(login(*t, "u2", "pw"), 5);  // any user: the session is logged in
}

void consecutive_failures_lock_the_user() {
  const std::string address =
      "local://login-lock?instruments=rb&trading_day=20250102&require_auth=0&password=right"
      "&login_fail_limit=3";
  auto t = connect(address);
  CHECK_EQ(login(*t, "u1", "wrong"), 3);
  CHECK_EQ(login(*t, "u1", "right"), 0);  // a success ends the run of failures
  CHECK_EQ(login(*t, "u1", "x"), 5);
  auto a = connect(address);
  for (int i = 0; i < 3; ++i) CHECK_EQ(login(*a, "u2", "wrong"), 3);
  std::string text;
  CHECK_EQ(login(*a, "u2", "right", &text), 75);  // locked: even the right password
  CHECK_EQ(text, gbk("CTP:连续登录失败次数超限，登录被禁止"));
  auto b = connect(address);
  CHECK_EQ(login(*b, "u2", "right"), 75);  // the user is locked, not the session
  CHECK_EQ(login(*b, "u3", "right"), 0);   // other users are not
}

void failures_from_one_ip_ban_it() {
  const std::string address =
      "local://login-ip?instruments=rb&trading_day=20250102&require_auth=0&password=right"
      "&login_fail_limit=0&ip_login_fail_limit=4";
  auto t = connect(address);
  for (const char* user : {"u1", "u2", "u3", "u4"}) CHECK_EQ(login(*t, user, "wrong"), 3);
  std::string text;
  CHECK_EQ(login(*t, "u5", "right", &text), 143);
  CHECK_EQ(text, gbk("CTP:您登录失败次数过多，IP被禁止登入CTP"));
  auto other = connect(address);  // another connection from the same client IP
  CHECK_EQ(login(*other, "u6", "right"), 143);
}

void sessions_of_one_user_are_limited() {
  const std::string address =
      "local://login-sessions?instruments=rb&trading_day=20250102&require_auth=0&max_sessions=2";
  auto a = connect(address);
  auto b = connect(address);
  auto c = connect(address);
  CHECK_EQ(login(*a, "u1", "pw"), 0);
  CHECK_EQ(login(*b, "u1", "pw"), 0);
  std::string text;
  CHECK_EQ(login(*c, "u1", "pw", &text), 60);
  CHECK_EQ(text, gbk("CTP:用户在线会话超出上限"));
  CHECK_EQ(login(*c, "u2", "pw"), 0);  // another user has sessions of its own
  a.reset();                           // one session of u1 goes away (Release disconnects it)
  auto d = connect(address);
  CHECK_EQ(login(*d, "u1", "pw"), 0);
}

}  // namespace

int main() {
  duplicate_login();
  consecutive_failures_lock_the_user();
  failures_from_one_ip_ban_it();
  sessions_of_one_user_are_limited();
  return shandian::testing::finish("test_sim_api_login_errors");
}
