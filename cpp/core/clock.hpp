// Monotonic time for event stamping (recv_ns) and engine deadlines. CLOCK_MONOTONIC through the vDSO:
// ~20 ns, no syscall, never jumps with NTP steps (wall time is only for display).
#pragma once

#include <cstdint>
#include <ctime>

namespace shandian::core {

[[nodiscard]] inline std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

inline constexpr std::int64_t kNsPerMs = 1'000'000;
inline constexpr std::int64_t kNsPerSec = 1'000'000'000;

}  // namespace shandian::core
