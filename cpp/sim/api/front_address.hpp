// Front addresses of the local front (documented for users in cpp/sim/README.md).
//
//   local://NAME                      the instance NAME with every default
//   local://NAME?key=value&key=value  the instance NAME with these settings (values may be %XX-encoded)
//   tcp://HOST:PORT, ssl://HOST:PORT  an unmodified CTP program's address: the instance described by the
//                                     environment variable SHANDIAN_LOCAL_FRONT (a local:// address) when it
//                                     is set, else local://default. HOST:PORT is ignored on purpose: a real
//                                     program registers different ports for its trader and md fronts, and
//                                     both must meet the same book.
//
// Every FrontConfig field has a key (front_address_keys() lists them); `wait` selects the callback
// threads' wait strategy. Unknown keys, duplicate keys and bad values are typed errors naming the key and
// the value; nothing is ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/front_config.hpp"

namespace shandian::sim {

// How an API's callback thread (and the feed thread under backpressure) waits for work.
enum class WaitStrategy : std::uint8_t {
  Spin,   // busy-poll (lowest latency, one core per API thread)
  Yield,  // poll with sched_yield between checks
  Block,  // poll for a short spin phase (~50 us), then sleep on a condition variable (default)
};

struct FrontAddress {
  FrontConfig config;
  WaitStrategy wait = WaitStrategy::Block;
  // The key=value settings exactly as given, sorted by key: two registrations of the same NAME must agree
  // on them (or the second gives none and joins whatever exists).
  std::string settings;
  std::string original;  // the address as registered (for messages and GetFrontInfo)
};

struct AddressError {
  enum class Code : std::uint8_t {
    BadScheme,      // not local://, tcp:// or ssl://
    BadName,        // NAME empty or with characters outside [A-Za-z0-9_.:-]
    MalformedPair,  // "key" without '=' or an empty key, or a bad %XX escape
    UnknownKey,
    DuplicateKey,
    BadValue,       // the value does not parse for its key, or is out of range
    BadEnvironment  // SHANDIAN_LOCAL_FRONT is set but is not a valid local:// address
  };
  Code code = Code::BadScheme;
  std::string key;
  std::string value;
  std::string message;  // one line for humans: names the address, the key and the value
};

struct AddressParse {
  std::optional<FrontAddress> address;
  AddressError error;  // meaningful when !address
  [[nodiscard]] bool ok() const noexcept { return address.has_value(); }
};

// Parses a local:// address (tcp:// and ssl:// are BadScheme here: see resolve_front_address).
[[nodiscard]] AddressParse parse_front_address(std::string_view address);

// Resolves any address a CTP program may register. `env_local_front` is the value of SHANDIAN_LOCAL_FRONT
// (nullptr when unset); passing it in keeps the function pure for tests.
[[nodiscard]] AddressParse resolve_front_address(std::string_view address, const char* env_local_front);

// Every accepted key, in documentation order.
[[nodiscard]] const std::vector<std::string_view>& front_address_keys();

[[nodiscard]] const char* to_string(WaitStrategy wait) noexcept;

}  // namespace shandian::sim
