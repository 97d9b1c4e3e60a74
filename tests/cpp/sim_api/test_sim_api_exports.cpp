// The two CTP libraries export exactly the vendor's four statics (nm -D --defined-only), and the loader
// resolves them and reads GetApiVersion.
#include <cstdio>
#include <set>
#include <string>

#include "../support/check.hpp"
#include "sim_api_support.hpp"

namespace {

std::set<std::string> defined_dynamic_symbols(const std::string& library) {
  std::set<std::string> out;
  const std::string cmd = std::string(SHANDIAN_NM) + " -D --defined-only '" + library + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    const auto pos = s.rfind(' ');
    out.insert(pos == std::string::npos ? s : s.substr(pos + 1));
  }
  CHECK_EQ(::pclose(p), 0);
  return out;
}

}  // namespace

int main() {
  const std::string dir = SHANDIAN_LOCAL_LIB_DIR;
  const auto trader = defined_dynamic_symbols(dir + "/libthosttraderapi_se.so");
  const auto md = defined_dynamic_symbols(dir + "/libthostmduserapi_se.so");
  const std::set<std::string> want_trader = {"_ZN19CThostFtdcTraderApi19CreateFtdcTraderApiEPKcb",
                                             "_ZN19CThostFtdcTraderApi13GetApiVersionEv"};
  const std::set<std::string> want_md = {"_ZN15CThostFtdcMdApi15CreateFtdcMdApiEPKcbbb",
                                         "_ZN15CThostFtdcMdApi13GetApiVersionEv"};
  CHECK(trader == want_trader);
  CHECK(md == want_md);
  for (const auto& s : trader) std::printf("trader exports %s\n", s.c_str());
  for (const auto& s : md) std::printf("md exports %s\n", s.c_str());

  const auto& libs = sim_test::libraries();
  const std::string version = libs.trader_version();
  std::printf("GetApiVersion: %s\n", version.c_str());
  CHECK(version.rfind("shandian local front ", 0) == 0);
  CHECK(version.find("(CTP API v6.7.11_20250617)") != std::string::npos);
  CHECK_EQ(libs.md_version(), version);
  return shandian::testing::finish("test_sim_api_exports");
}
