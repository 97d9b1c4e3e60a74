#include "sim/api/flow_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace shandian::sim {
namespace {

bool write_line(const std::string& path, const std::string& line) {
  // Write a sibling temp file and rename it over the old one, so a crash never leaves a torn file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << line << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

bool FlowFiles::open(const std::string& prefix, bool trader, const std::string& trading_day, std::string& why) {
  prefix_ = prefix;
  const std::filesystem::path probe(prefix + "DialogRsp.con");
  std::filesystem::path dir = probe.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    why = "flow path '" + prefix + "': directory '" + dir.string() +
          "' does not exist (create it before CreateFtdc*Api, as the vendor library requires)";
    return false;
  }
  const std::string header = "shandian-flow 1 trading_day=" + trading_day;
  if (!write_line(prefix + "DialogRsp.con", "shandian-flow 1 dialog stream (not persistent)") ||
      !write_line(prefix + "QueryRsp.con", "shandian-flow 1 query stream (not persistent)") ||
      !write_line(prefix + "TradingDay.con", header)) {
    why = "flow path '" + prefix + "': cannot write flow files in '" + dir.string() + "'";
    return false;
  }
  open_ = true;
  if (trader) {
    for (const char* name : {"Private.con", "Public.con"}) {
      if (!std::filesystem::exists(prefix + name, ec) && !store(name, trading_day, 0)) {
        why = "flow path '" + prefix + "': cannot write " + name;
        open_ = false;
        return false;
      }
    }
  }
  return true;
}

int FlowFiles::last_seq(const char* name, const std::string& trading_day) const {
  if (!open_) return 0;
  std::ifstream in(prefix_ + name);
  std::string magic, version, day, seq;
  if (!(in >> magic >> version >> day >> seq) || magic != "shandian-flow" || version != "1") return 0;
  if (day != "trading_day=" + trading_day || seq.rfind("last_seq=", 0) != 0) return 0;
  try {
    return std::stoi(seq.substr(9));
  } catch (...) {
    return 0;
  }
}

bool FlowFiles::store(const char* name, const std::string& trading_day, int last_seq) const {
  if (!open_) return false;
  std::ostringstream line;
  line << "shandian-flow 1 trading_day=" << trading_day << " last_seq=" << last_seq;
  return write_line(prefix_ + name, line.str());
}

}  // namespace shandian::sim
