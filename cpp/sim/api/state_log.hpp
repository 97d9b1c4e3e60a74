// StateLog: the local front's input log (front address key `state=/path/file`), so an instance's book,
// accounts, sessions, streams and clock survive the process that hosts it being killed (the
// journal crash test kills the engine process, which hosts the in-process local front).
//
// The ExchangeCore is single-threaded and deterministic, so its state is a pure function of its inputs in
// order. Every input applied under the instance lock — connect/disconnect, authenticate, login, logout,
// settlement confirmation, order insert/action, and "N more feed events applied" — is appended to the file
// with one write(2) *before* it is applied (the page cache keeps it when the process is killed). A new
// instance with the same `state` replays the file into a fresh core (outputs discarded), regenerating the
// seeded feed's events, and then disconnects the dead process's connections (appending those too), as a
// real counter does when a client's socket drops. Queries change nothing and are not logged.
// A log starts with its trading day; an instance created with a later `trading_day` replays the log's days,
// then settles into the new day (ExchangeCore::roll_trading_day, logged as a TradingDay entry), so the
// counter's positions carry over to the next day as yesterday's lots.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shandian::sim {

enum class InputKind : std::uint8_t {
  Connect = 1,            // conn = id returned; body = 2 x StreamSubscription
  Disconnect = 2,         // a = reason
  Authenticate = 3,       // body = CThostFtdcReqAuthenticateField
  Login = 4,              // body = CThostFtdcReqUserLoginField
  Logout = 5,             // body = CThostFtdcUserLogoutField
  ConfirmSettlement = 6,  // body = CThostFtdcSettlementInfoConfirmField
  InsertOrder = 7,        // body = CThostFtdcInputOrderField
  OrderAction = 8,        // body = CThostFtdcInputOrderActionField
  FeedEvents = 9,         // a = number of feed events applied
  TradingDay = 10,        // a = YYYYMMDD: the log's first day (first entry), later a settlement roll to that day
};

struct InputEntry {
  InputKind kind = InputKind::FeedEvents;
  std::int32_t conn = -1;
  std::int32_t request_id = 0;
  std::int32_t a = 0;
  std::vector<unsigned char> body;
};

class StateLog {
 public:
  StateLog() = default;
  ~StateLog();
  StateLog(const StateLog&) = delete;
  StateLog& operator=(const StateLog&) = delete;

  // Reads every complete entry (a torn last entry, from a kill in the middle of a write, is ignored).
  // `complete_bytes` (optional) receives the length of the complete entries: where the next one must start.
  // False with `error` set when the file exists but is not a state log.
  [[nodiscard]] static bool read(const std::string& path, std::vector<InputEntry>& out, std::string& error,
                                 std::size_t* complete_bytes = nullptr);

  // Opens for appending (creates it), first cutting the file to `complete_bytes` (what `read` reported):
  // an entry appended after a torn one would otherwise be read as the torn entry's body, and every entry
  // after it as garbage. False with `error` set.
  [[nodiscard]] bool open(const std::string& path, std::size_t complete_bytes, std::string& error);

  // One write(2) per entry. Under the instance lock.
  void append(InputKind kind, std::int32_t conn, std::int32_t request_id, std::int32_t a, const void* body,
              std::uint32_t size) noexcept;

  template <class T>
  void append(InputKind kind, std::int32_t conn, std::int32_t request_id, const T& body) noexcept {
    append(kind, conn, request_id, 0, &body, static_cast<std::uint32_t>(sizeof(T)));
  }

 private:
  int fd_ = -1;
};

}  // namespace shandian::sim
