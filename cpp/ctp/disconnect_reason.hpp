#pragma once
// OnFrontDisconnected's nReason in words: the one table (logs, session notices, the run report).

#include <string_view>

namespace shandian::ctp {

// Codes per the SFIT API documentation of OnFrontDisconnected (0x1001 ... 0x2003). Observed with the
// 6.7.11 library on loopback: a front that accepts and closes the connection at once gives 4097 every
// second; one that answers with bytes that are not CTP gives 8195.
[[nodiscard]] constexpr std::string_view disconnect_reason_text(int reason) noexcept {
  switch (reason) {
    case 0x1001: return "network read failed";
    case 0x1002: return "network write failed";
    case 0x2001: return "heartbeat receive timeout";
    case 0x2002: return "heartbeat send failed";
    case 0x2003: return "malformed packet received";
    default: return "unknown reason";
  }
}

}  // namespace shandian::ctp
