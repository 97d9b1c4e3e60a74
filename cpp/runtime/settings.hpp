// Plain settings of a Runtime (what a config file or a binding's keyword arguments say), turned into the
// component configs with every value checked: a bad one raises SettingsError naming the field, the value
// and the rule, before anything is built.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "core/engine.hpp"
#include "ctp/session_config.hpp"
#include "journal/journal.hpp"

namespace shandian::runtime {

class SettingsError : public std::invalid_argument {
 public:
  SettingsError(const std::string& field, const std::string& value, const std::string& rule)
      : std::invalid_argument(field + " = " + value + ": " + rule), field_(field) {}
  [[nodiscard]] const std::string& field() const noexcept { return field_; }

 private:
  std::string field_;
};

struct EngineSettings {
  std::string wait = "block";  // "spin" | "yield" | "block"
  std::size_t max_instruments = 4096;
  std::size_t max_live_orders = 16384;
  std::size_t orders_per_day = 131072;
  std::size_t trades_per_day = 262144;
  std::size_t max_agents = 64;  // subscriber masks are 64-bit
  std::size_t max_events_per_batch = 512;
  double max_wait_ms = 50.0;       // upper bound of one wait of the loop
  std::size_t bar_history = 1000;  // bars kept per (instrument, interval) for history()
};

struct JournalSettings {
  std::string path;  // the SQLite file (its directory must exist)
  std::size_t ring_capacity = 16384;
  std::size_t backlog_limit = 8192;
  std::string writer_priority = "batch";  // "idle" | "batch" | "normal"
  bool wake_on_request = false;
};

struct RuntimeSettings {
  std::filesystem::path library_dir;  // holds libthosttraderapi_se.so + libthostmduserapi_se.so
  ctp::SessionConfig session;
  EngineSettings engine;
};

// Throw SettingsError on the first invalid field.
[[nodiscard]] core::EngineConfig engine_config(const EngineSettings& settings);
[[nodiscard]] journal::JournalConfig journal_config(const JournalSettings& settings);

}  // namespace shandian::runtime
