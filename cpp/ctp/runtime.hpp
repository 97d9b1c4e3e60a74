// LiveRuntime: the object a front end (the Python binding, a C++ program, a bench) constructs to trade
// one account: the dlopen'd library pair, the CTP session and the engine, destroyed in the safe order
// (engine shutdown releases the vendor APIs before the session and the libraries go away).
#pragma once

#include <filesystem>
#include <memory>

#include "core/engine.hpp"
#include "ctp/library.hpp"
#include "ctp/session.hpp"

namespace shandian::ctp {

class LiveRuntime {
 public:
  // library_dir: a directory holding libthosttraderapi_se.so + libthostmduserapi_se.so (see
  // resolve_library_dir for the "sfit" / "local" flavours). Throws LibraryError / std::invalid_argument.
  LiveRuntime(const std::filesystem::path& library_dir, SessionConfig session_config, core::EngineConfig engine_config,
              core::RiskHook* risk = nullptr)
      : library_(std::make_unique<LibraryPair>(library_dir)),
        session_(std::make_unique<Session>(*library_, std::move(session_config))),
        engine_(std::make_unique<core::Engine>(engine_config, *session_, risk)) {}

  ~LiveRuntime() {
    engine_->shutdown();
    engine_.reset();
    session_.reset();
    // library_ last: no API created from it is alive any more.
  }
  LiveRuntime(const LiveRuntime&) = delete;
  LiveRuntime& operator=(const LiveRuntime&) = delete;

  [[nodiscard]] core::Engine& engine() noexcept { return *engine_; }
  [[nodiscard]] Session& session() noexcept { return *session_; }
  [[nodiscard]] const LibraryPair& library() const noexcept { return *library_; }

 private:
  std::unique_ptr<LibraryPair> library_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<core::Engine> engine_;
};

}  // namespace shandian::ctp
