// Flow files of an API instance, written under the flow path given to CreateFtdc*Api exactly as the vendor
// names them: DialogRsp.con, QueryRsp.con, TradingDay.con (both libraries), Private.con and Public.con
// (trader). The content is shandian's own one-line text format:
//     shandian-flow 1 trading_day=YYYYMMDD last_seq=N
// Private.con / Public.con record the last private/public stream sequence number delivered to the Spi for
// that trading day; SubscribePrivateTopic(THOST_TERT_RESUME) continues after it (a file of another
// trading day, or none, resumes from the start of the day, as the vendor's stale-flow behaviour).
//
// Like the vendor, the flow path is a prefix (the vendor concatenates "flow/" + "DialogRsp.con"); its
// directory must already exist.
#pragma once

#include <string>

namespace shandian::sim {

class FlowFiles {
 public:
  // Checks the prefix's directory and writes the files. false (and `why`) when the directory is missing
  // or not writable.
  [[nodiscard]] bool open(const std::string& prefix, bool trader, const std::string& trading_day, std::string& why);

  // The last_seq recorded in `name` (e.g. "Private.con") for `trading_day`, 0 if none/other day.
  [[nodiscard]] int last_seq(const char* name, const std::string& trading_day) const;
  // Records last_seq for `trading_day` (rewrites the file). false on I/O error.
  [[nodiscard]] bool store(const char* name, const std::string& trading_day, int last_seq) const;

  [[nodiscard]] bool is_open() const noexcept { return open_; }
  [[nodiscard]] const std::string& prefix() const noexcept { return prefix_; }

 private:
  std::string prefix_;
  bool open_ = false;
};

}  // namespace shandian::sim
