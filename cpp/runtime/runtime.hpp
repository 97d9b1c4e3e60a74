// Runtime: everything one account needs, owned in one place and torn down in a safe order: the dlopen'd
// library pair, the CTP session and the engine, the risk engine installed as the engine's risk hook with
// the kill switch's sink, and the journal observing the engine. What a front end (the Python binding, a
// C++ program) builds to trade one account.
//
//   runtime::Runtime rt(settings);                    // SettingsError / LibraryError before anything runs
//   rt.install_risk(limits);                         // optional: the engine is permissive until then
//   rt.open_journal({.path = "day.sqlite"});         // optional
//   rt.engine().run();  ...  rt.kill("operator", /*flatten=*/true);
//
// Destruction: the engine shuts down first (the vendor APIs are released: no callback runs after it),
// then the journal is drained and stopped and the engine forgets its observer and risk hook; the engine,
// session and library go next (in that order: no API created from the library outlives it), the risk
// engine and the journal last, so nothing the engine points at is ever destroyed before it.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/engine.hpp"
#include "ctp/library.hpp"
#include "ctp/session.hpp"
#include "journal/journal.hpp"
#include "risk/risk_engine.hpp"
#include "runtime/kill_switch.hpp"
#include "runtime/settings.hpp"

namespace shandian::runtime {

class Runtime {
 public:
  // Throws SettingsError (a bad setting), ctp::LibraryError (the library pair), std::invalid_argument.
  explicit Runtime(RuntimeSettings settings);
  // Any other gateway (a backtest's), owned here; `event_clock` (may be null) is the engine's clock.
  Runtime(const EngineSettings& settings, std::unique_ptr<core::Gateway> gateway, const std::int64_t* event_clock);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  [[nodiscard]] core::Engine& engine() noexcept { return *engine_; }
  // The CTP session; only when built from RuntimeSettings (has_session()).
  [[nodiscard]] bool has_session() const noexcept { return session_ != nullptr; }
  [[nodiscard]] ctp::Session& session() noexcept { return *session_; }
  [[nodiscard]] core::Gateway& gateway() noexcept {
    return session_ ? static_cast<core::Gateway&>(*session_) : *gateway_;
  }
  [[nodiscard]] const ctp::LibraryPair& library() const noexcept { return *library_; }

  // Builds the risk engine (sized from the engine's capacities) and installs it as the risk hook, with
  // the kill sink. Once per runtime (std::logic_error on a second call). Engine thread, before run.
  risk::RiskEngine& install_risk(const risk::RiskLimits& limits, std::size_t max_agents = 64);
  [[nodiscard]] risk::RiskEngine* risk() noexcept { return risk_.get(); }
  [[nodiscard]] EngineKillSink* kill_sink() noexcept { return kill_sink_.get(); }

  // Opens the journal and makes it the engine's observer (std::logic_error when one is open already;
  // SettingsError / journal::JournalError otherwise). Engine thread, before run.
  journal::Journal& open_journal(const JournalSettings& settings);
  // Flushes (bounded by timeout_ns), detaches and stops the journal; false when the flush timed out.
  // True when no journal is open.
  bool close_journal(std::int64_t timeout_ns) noexcept;
  [[nodiscard]] journal::Journal* journal() noexcept { return journal_.get(); }

  // The kill switch (engine thread): halts the account — or leaves it REDUCING when `flatten`, so that
  // the flattening closes can go out — cancels every working order, then with `flatten` closes every
  // agent's free lots (EngineKillSink::flatten). std::logic_error when no risk engine is installed.
  KillResult kill(std::string_view reason, bool flatten);

 private:
  std::unique_ptr<journal::Journal> journal_;  // outlives the engine that observes it
  std::unique_ptr<risk::RiskEngine> risk_;     // outlives the engine that calls it
  std::unique_ptr<EngineKillSink> kill_sink_;  // the risk engine's sink
  std::unique_ptr<ctp::LibraryPair> library_;  // outlives every vendor API created from it
  std::unique_ptr<ctp::Session> session_;      // the engine's gateway (live)
  std::unique_ptr<core::Gateway> gateway_;     // the engine's gateway (backtest; or session_)
  std::unique_ptr<core::Engine> engine_;
};

}  // namespace shandian::runtime
