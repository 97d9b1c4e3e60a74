#include "runtime/runtime.hpp"

#include <stdexcept>
#include <string>

namespace shandian::runtime {

Runtime::Runtime(RuntimeSettings settings) {
  const core::EngineConfig config = engine_config(settings.engine);  // checked before the library is loaded
  library_ = std::make_unique<ctp::LibraryPair>(settings.library_dir);
  session_ = std::make_unique<ctp::Session>(*library_, std::move(settings.session));
  engine_ = std::make_unique<core::Engine>(config, *session_);
}

Runtime::Runtime(const EngineSettings& settings, std::unique_ptr<core::Gateway> gateway,
                 const std::int64_t* event_clock) {
  core::EngineConfig config = engine_config(settings);
  config.event_clock_ns = event_clock;
  gateway_ = std::move(gateway);
  if (!gateway_) throw std::invalid_argument("Runtime: no gateway");
  engine_ = std::make_unique<core::Engine>(config, *gateway_);
}

Runtime::~Runtime() {
  engine().shutdown();  // no vendor callback after this: nothing below races the engine's collaborators
  if (journal_) {
    engine().set_observer(nullptr);
    journal_->stop();  // drains and commits what was recorded
  }
  engine().set_risk_hook(nullptr);
  engine_.reset();
  session_.reset();
  gateway_.reset();
  library_.reset();  // last of the three: no API created from it is alive any more
  kill_sink_.reset();
  risk_.reset();
  journal_.reset();
}

risk::RiskEngine& Runtime::install_risk(const risk::RiskLimits& limits, std::size_t max_agents) {
  if (risk_) throw std::logic_error("a risk engine is already installed");
  core::Engine& e = engine();
  risk::RiskCapacity capacity;
  capacity.max_agents = max_agents;
  capacity.max_instruments = e.registry().capacity();
  capacity.max_live_orders = e.order_manager().capacity();
  risk_ = std::make_unique<risk::RiskEngine>(e.registry(), capacity, limits);
  kill_sink_ = std::make_unique<EngineKillSink>(e, *risk_);
  risk_->set_kill_sink(kill_sink_.get());
  e.set_risk_hook(risk_.get());
  return *risk_;
}

journal::Journal& Runtime::open_journal(const JournalSettings& settings) {
  if (journal_) throw std::logic_error("a journal is already open: " + journal_->path());
  const journal::JournalConfig config = journal_config(settings);
  journal_ = std::make_unique<journal::Journal>(config);
  journal_->set_order_source(&engine().order_manager());
  engine().set_observer(journal_.get());
  journal_->start();
  return *journal_;
}

bool Runtime::close_journal(std::int64_t timeout_ns) noexcept {
  if (!journal_) return true;
  const bool flushed = journal_->flush(timeout_ns);
  engine().set_observer(nullptr);
  journal_->stop();
  journal_.reset();
  return flushed;
}

KillResult Runtime::kill(std::string_view reason, bool flatten) {
  if (!risk_) throw std::logic_error("the kill switch needs a risk engine (install_risk)");
  KillResult result;
  risk_->kill(reason, /*reducing_only=*/flatten);
  result.cancels = kill_sink_->sent();
  if (flatten) kill_sink_->flatten(result);
  return result;
}

}  // namespace shandian::runtime
