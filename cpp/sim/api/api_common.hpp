// Pieces both CTP libraries share (header-only, compiled into each library with hidden visibility).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "sim/api/front_address.hpp"

#ifndef SHANDIAN_VERSION
#define SHANDIAN_VERSION "0.0.0"
#endif

namespace shandian::sim {

inline constexpr const char kApiVersion[] = "shandian local front " SHANDIAN_VERSION " (CTP API v6.7.11_20250617)";
inline constexpr int kDisconnectReadFail = 4097;  // 0x1001, OnFrontDisconnected nReason
inline constexpr int kErrUnsupported = 27;        // UNSUPPORTED_FUNCTION
inline constexpr int kErrNeedRetry = 90;          // NEED_RETRY (QryFreq)
inline constexpr int kErrNotLoggedIn = 6;
inline constexpr int kErrNotInited = 7;  // NOT_INITED: the front's exchange could not start

// Join(): the waiting thread holds this by shared_ptr, so Release may free the API while it waits.
struct JoinState {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  void signal() {
    {
      std::lock_guard lock(mutex);
      done = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return done; });
  }
};

inline std::int64_t steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Resolves the first registered front (SHANDIAN_LOCAL_FRONT applies to tcp:// addresses).
[[nodiscard]] inline AddressParse resolve_registered(const std::string& address) {
  return resolve_front_address(address, std::getenv("SHANDIAN_LOCAL_FRONT"));
}

inline void report_error(const std::string& what) { std::fprintf(stderr, "%s\n", what.c_str()); }

}  // namespace shandian::sim
