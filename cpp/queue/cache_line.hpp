// Cache-line constants and a CPU relax hint shared by the queue headers.
#pragma once

#include <cstddef>

namespace shandian::queue {

// Separation between data written by different threads. 128 rather than 64: x86 L2 "adjacent line"
// prefetchers (Intel since Sandy Bridge, AMD Zen) pull cache lines in 128-byte pairs, so two hot indices
// 64 bytes apart still ping-pong. std::hardware_destructive_interference_size is not used on purpose:
// GCC warns (-Winterference-size) when it appears in a header, because its value may change with -mtune
// and so break the ABI between translation units built with different flags.
inline constexpr std::size_t kFalseSharingRange = 128;

// Tells the core this is a spin-wait loop: on x86 `pause` saves power, yields the pipeline to a sibling
// hyper-thread and avoids the memory-order-violation flush when the awaited line finally changes.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Smallest power of two >= n (n >= 1); callers validate the upper bound.
[[nodiscard]] constexpr std::size_t round_up_to_power_of_two(std::size_t n) noexcept {
  std::size_t p = 1;
  while (p < n) p <<= 1U;
  return p;
}

}  // namespace shandian::queue
