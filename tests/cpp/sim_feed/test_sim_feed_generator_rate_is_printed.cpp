// Generation speed: prints the single-core rate (never asserted: timing depends on the machine and the
// sanitizer) and checks what makes it fast — no heap allocation per tick once the generator is built.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>

#include "feed_test_support.hpp"

namespace {
// Test-binary-only allocation counter (production code has no globals).
std::atomic<long long> g_allocations{0};
}  // namespace

// Every replaceable (non-aligned) form, so all allocations pair with malloc/free (ASan checks the pairing).
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace shandian::sim;

int main() {
  const std::vector<InstrumentSpec> instruments = bundled_instruments();
  constexpr long long kTarget = 2'000'000;
  FeedEvent event{};
  long long ticks = 0, allocations_while_generating = 0;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (std::uint64_t pass = 0; ticks < kTarget; ++pass) {
    // A whole night-start trading day per pass (~275k ticks over 6 instruments), fresh seed each pass.
    GeneratorSource source(instruments, GeneratorOptions{pass, "20250102", true, 0});
    const long long before = g_allocations.load(std::memory_order_relaxed);
    while (ticks < kTarget && source.next(event)) ticks += event.kind == FeedEvent::Kind::Tick;
    allocations_while_generating += g_allocations.load(std::memory_order_relaxed) - before;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf(
      "sim_feed generator: %lld ticks, %.3f s wall / %.3f s CPU = %.2f M ticks/s wall, %.2f M ticks per "
      "CPU-second (%zu instruments, one thread, incl. setup)\n",
      ticks, seconds, cpu_seconds, static_cast<double>(ticks) / seconds / 1e6,
      static_cast<double>(ticks) / cpu_seconds / 1e6, instruments.size());
  CHECK_EQ(allocations_while_generating, 0LL);
  return shandian::testing::finish("test_sim_feed_generator_rate_is_printed");
}
