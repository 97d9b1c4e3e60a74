#include "sim/api/front_address.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <system_error>

namespace shandian::sim {
namespace {

AddressError make_error(AddressError::Code code, std::string_view address, std::string key, std::string value,
                        std::string_view why) {
  AddressError e;
  e.code = code;
  e.key = std::move(key);
  e.value = std::move(value);
  e.message = "shandian local front: bad front address '" + std::string(address) + "': " + std::string(why);
  if (!e.key.empty()) e.message += " (key '" + e.key + "', value '" + e.value + "')";
  return e;
}

bool parse_int(std::string_view s, long long lo, long long hi, long long& out) {
  if (s.empty()) return false;
  long long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  out = v;
  return true;
}

bool parse_double(std::string_view s, double lo, double hi, double& out) {
  if (s.empty()) return false;
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool parse_bool(std::string_view s, bool& out) {
  if (s == "1" || s == "true" || s == "yes" || s == "on") {
    out = true;
    return true;
  }
  if (s == "0" || s == "false" || s == "no" || s == "off") {
    out = false;
    return true;
  }
  return false;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      break;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_day(std::string_view s) {
  if (s.size() != 8 || !all_digits(s)) return false;
  const int month = (s[4] - '0') * 10 + (s[5] - '0');
  const int day = (s[6] - '0') * 10 + (s[7] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool valid_id(std::string_view s, std::size_t max_len) {
  return s.size() <= max_len && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
         });
}

// One key: its setter returns false when the value is bad.
using Setter = std::function<bool(FrontAddress&, std::string_view)>;

const std::vector<std::pair<std::string_view, Setter>>& key_table() {
  static const std::vector<std::pair<std::string_view, Setter>> table = [] {
    std::vector<std::pair<std::string_view, Setter>> t;
    auto int_key = [&t](std::string_view key, long long lo, long long hi, int FrontConfig::*field) {
      t.emplace_back(key, [=](FrontAddress& a, std::string_view v) {
        long long x = 0;
        if (!parse_int(v, lo, hi, x)) return false;
        a.config.*field = static_cast<int>(x);
        return true;
      });
    };
    auto bool_key = [&t](std::string_view key, bool FrontConfig::*field) {
      t.emplace_back(key, [=](FrontAddress& a, std::string_view v) { return parse_bool(v, a.config.*field); });
    };
    auto id_key = [&t](std::string_view key, std::size_t max_len, std::string FrontConfig::*field) {
      t.emplace_back(key, [=](FrontAddress& a, std::string_view v) {
        if (!valid_id(v, max_len)) return false;
        a.config.*field = std::string(v);
        return true;
      });
    };
    // identity and gates
    id_key("broker_id", 10, &FrontConfig::broker_id);
    id_key("app_id", 32, &FrontConfig::app_id);
    id_key("auth_code", 16, &FrontConfig::auth_code);
    bool_key("require_auth", &FrontConfig::require_auth);
    bool_key("require_settlement_confirm", &FrontConfig::require_settlement_confirm);
    t.emplace_back("password", [](FrontAddress& a, std::string_view v) {
      if (v.size() > 40) return false;  // TThostFtdcPasswordType: char[41]
      a.config.password = std::string(v);
      return true;
    });
    int_key("login_fail_limit", 0, 1'000'000, &FrontConfig::login_fail_limit);
    int_key("ip_login_fail_limit", 0, 1'000'000, &FrontConfig::ip_login_fail_limit);
    int_key("max_sessions", 0, 1'000'000, &FrontConfig::max_sessions);
    t.emplace_back("trading_day", [](FrontAddress& a, std::string_view v) {
      if (!v.empty() && !valid_day(v)) return false;
      a.config.trading_day = std::string(v);
      return true;
    });
    t.emplace_back("initial_balance", [](FrontAddress& a, std::string_view v) {
      return parse_double(v, 0.0, 1e15, a.config.initial_balance);
    });
    // positions=rb2505:long:5[:price],cu2505:short:2
    t.emplace_back("positions", [](FrontAddress& a, std::string_view v) {
      std::vector<InitialPosition> out;
      if (!v.empty()) {
        for (std::string_view item : split(v, ',')) {
          const auto f = split(item, ':');
          if (f.size() != 3 && f.size() != 4) return false;
          InitialPosition p;
          if (f[0].empty() || !valid_id(f[0], 80)) return false;
          p.instrument_id = std::string(f[0]);
          if (f[1] == "long")
            p.is_long = true;
          else if (f[1] == "short")
            p.is_long = false;
          else
            return false;
          long long vol = 0;
          if (!parse_int(f[2], 1, 1'000'000, vol)) return false;
          p.volume = static_cast<int>(vol);
          if (f.size() == 4 && !parse_double(f[3], 0.0, 1e12, p.price)) return false;
          out.push_back(std::move(p));
        }
      }
      a.config.positions = std::move(out);
      return true;
    });
    // market data
    t.emplace_back("source", [](FrontAddress& a, std::string_view v) {
      if (v != "gen" && !(v.size() > 4 && v.substr(0, 4) == "csv:")) return false;
      a.config.source = std::string(v);
      return true;
    });
    t.emplace_back("seed", [](FrontAddress& a, std::string_view v) { return parse_u64(v, a.config.seed); });
    t.emplace_back("instruments", [](FrontAddress& a, std::string_view v) {
      std::vector<std::string> out;
      if (!v.empty()) {
        for (std::string_view item : split(v, ',')) {
          if (item.empty() || !valid_id(item, 80)) return false;
          out.emplace_back(item);
        }
      }
      a.config.instruments = std::move(out);
      return true;
    });
    t.emplace_back("speed",
                   [](FrontAddress& a, std::string_view v) { return parse_double(v, 0.0, 1e9, a.config.speed); });
    t.emplace_back("session", [](FrontAddress& a, std::string_view v) {
      if (v != "day" && v != "night") return false;
      a.config.session = std::string(v);
      return true;
    });
    int_key("max_ticks", 0, std::numeric_limits<int>::max(), &FrontConfig::max_ticks);
    int_key("days", 1, 366, &FrontConfig::days);
    // matching
    t.emplace_back("queue_model", [](FrontAddress& a, std::string_view v) {
      if (v == "conservative")
        a.config.queue_model = QueueModel::Conservative;
      else if (v == "optimistic")
        a.config.queue_model = QueueModel::Optimistic;
      else
        return false;
      return true;
    });
    int_key("exchange_delay_ms", 0, 3'600'000, &FrontConfig::exchange_delay_ms);
    // flow control
    int_key("query_interval_ms", 0, 3'600'000, &FrontConfig::query_interval_ms);
    int_key("order_rate_limit", 0, 1'000'000, &FrontConfig::order_rate_limit);
    // fault injection
    int_key("disconnect_after", 0, std::numeric_limits<int>::max(), &FrontConfig::disconnect_after);
    int_key("reconnect_ms", 0, 3'600'000, &FrontConfig::reconnect_ms);
    int_key("reply_delay_us", 0, 60'000'000, &FrontConfig::reply_delay_us);
    t.emplace_back("md_drop_ratio", [](FrontAddress& a, std::string_view v) {
      return parse_double(v, 0.0, 1.0, a.config.md_drop_ratio);
    });
    bool_key("duplicate_replay", &FrontConfig::duplicate_replay);
    // persistence: an absolute path of the instance's input log (replayed when the instance is created)
    t.emplace_back("state", [](FrontAddress& a, std::string_view v) {
      if (v.empty() || v.front() != '/') return false;
      a.config.state = std::string(v);
      return true;
    });
    // threads
    t.emplace_back("wait", [](FrontAddress& a, std::string_view v) {
      if (v == "spin")
        a.wait = WaitStrategy::Spin;
      else if (v == "yield")
        a.wait = WaitStrategy::Yield;
      else if (v == "block")
        a.wait = WaitStrategy::Block;
      else
        return false;
      return true;
    });
    return t;
  }();
  return table;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;  // fewer than two digits follow
    const int hi = hex_digit(in[i + 1]);
    const int lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool valid_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
           c == '.' || c == ':';
  });
}

}  // namespace

const std::vector<std::string_view>& front_address_keys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> k;
    for (const auto& [key, setter] : key_table()) k.push_back(key);
    return k;
  }();
  return keys;
}

const char* to_string(WaitStrategy wait) noexcept {
  switch (wait) {
    case WaitStrategy::Spin: return "spin";
    case WaitStrategy::Yield: return "yield";
    case WaitStrategy::Block: return "block";
  }
  return "?";
}

AddressParse parse_front_address(std::string_view address) {
  AddressParse result;
  constexpr std::string_view scheme = "local://";
  if (address.substr(0, scheme.size()) != scheme) {
    result.error = make_error(AddressError::Code::BadScheme, address, "", "", "expected local://NAME[?key=value&...]");
    return result;
  }
  std::string_view rest = address.substr(scheme.size());
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (!valid_name(rest)) {
    result.error = make_error(AddressError::Code::BadName, address, "", "",
                              "the instance NAME must be 1-64 characters of [A-Za-z0-9_.:-]");
    return result;
  }
  FrontAddress a;
  a.original = std::string(address);
  a.config.name = std::string(rest);
  std::map<std::string, std::string> seen;  // sorted: the canonical settings string
  if (!query.empty()) {
    for (std::string_view pair : split(query, '&')) {
      if (pair.empty()) continue;  // tolerate "a=1&&b=2" and a trailing '&'
      const auto eq = pair.find('=');
      std::string key;
      std::string value;
      if (eq == std::string_view::npos || eq == 0 || !percent_decode(pair.substr(0, eq), key) ||
          !percent_decode(pair.substr(eq + 1), value)) {
        result.error = make_error(AddressError::Code::MalformedPair, address, std::string(pair), "",
                                  "expected key=value (values may be %XX-encoded)");
        return result;
      }
      const auto& table = key_table();
      const auto it = std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == key; });
      if (it == table.end()) {
        std::string known;
        for (auto k : front_address_keys()) known += (known.empty() ? "" : ", ") + std::string(k);
        result.error =
            make_error(AddressError::Code::UnknownKey, address, key, value, "unknown key; known keys: " + known);
        return result;
      }
      if (seen.count(key)) {
        result.error = make_error(AddressError::Code::DuplicateKey, address, key, value, "key given twice");
        return result;
      }
      if (!it->second(a, value)) {
        result.error = make_error(AddressError::Code::BadValue, address, key, value,
                                  "bad value (see cpp/sim/README.md for the key's format and range)");
        return result;
      }
      seen.emplace(std::move(key), std::move(value));
    }
  }
  if (a.config.days > 1 && (a.config.source != "gen" || !a.config.state.empty())) {
    // A day roll regenerates the next day's feed; a CSV holds one day, and the state log does not record rolls.
    result.error = make_error(AddressError::Code::BadValue, address, "days", seen["days"],
                              "days > 1 needs source=gen and no state=");
    return result;
  }
  for (const auto& [k, v] : seen) a.settings += (a.settings.empty() ? "" : "&") + k + "=" + v;
  result.address = std::move(a);
  return result;
}

AddressParse resolve_front_address(std::string_view address, const char* env_local_front) {
  const bool is_tcp = address.substr(0, 6) == "tcp://" || address.substr(0, 6) == "ssl://";
  if (!is_tcp) return parse_front_address(address);
  if (env_local_front != nullptr && *env_local_front != '\0') {
    AddressParse env = parse_front_address(env_local_front);
    if (!env.ok()) {
      env.error.code = AddressError::Code::BadEnvironment;
      env.error.message += " [from SHANDIAN_LOCAL_FRONT, used for " + std::string(address) + "]";
      return env;
    }
    env.address->original = std::string(address) + " -> " + env.address->original;
    return env;
  }
  AddressParse def = parse_front_address("local://default");
  def.address->original = std::string(address) + " -> local://default";
  return def;
}

}  // namespace shandian::sim
