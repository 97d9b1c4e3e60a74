// Applying an OnRtnTrade to its order and the per-agent ledgers (bench/order_bench.hpp's rig, the code
// _core.bench_order_apply times) allocates nothing in steady state: every operator new / malloc is counted
// after a warm-up (replaced in this test binary only) and must stay 0. Also checks the booked result.
// Under ASan/TSan the sanitizer owns the allocator, so the replacement is compiled out.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <cmath>
#include <cstdio>
#include "bench/order_bench.hpp"
#include "support/check.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SHANDIAN_COUNT_ALLOCATIONS 0
#else
#define SHANDIAN_COUNT_ALLOCATIONS 1
#endif

namespace {
// Test-binary-only state (the replaced allocation functions are global by definition).
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocations{0};
inline void note_allocation() noexcept {
  // relaxed: a counter read after the measured threads are joined / synchronised through the engine stop.
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if SHANDIAN_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t size) {
  note_allocation();
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  note_allocation();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  note_allocation();
  return __libc_realloc(p, size);
}
void free(void* p) { __libc_free(p); }
}

void* operator new(std::size_t size) {
  note_allocation();
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  note_allocation();
  return __libc_malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& t) noexcept { return operator new(size, t); }
void* operator new(std::size_t size, std::align_val_t align) {
  note_allocation();
  if (void* p = __libc_memalign(static_cast<std::size_t>(align), size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
#endif

int main() {
  shandian::bench::OrderApplyRig rig(20'000);
  for (int i = 0; i < 1000; ++i) (void)rig.apply_one();  // warm-up (position slots, hash map probes)
  g_counting.store(true, std::memory_order_relaxed);
  std::int64_t sink = 0;
  for (int i = 0; i < 10'000; ++i) sink += rig.apply_one();
  g_counting.store(false, std::memory_order_relaxed);
#if SHANDIAN_COUNT_ALLOCATIONS
  CHECK_EQ(g_allocations.load(std::memory_order_relaxed), 0u);
#endif
  CHECK(sink > 0);
  // 11,001 trades alternating open/close from one seeded lot: 5,501 opens, 5,500 closes, one lot held.
  const auto& L = rig.ledgers();
  CHECK_EQ(L.long_volume(0, 0), 1);
  CHECK_EQ(L.agent(0).fills, 11'001u);
  CHECK(std::fabs(L.agent(0).commission - (5'501 * 2.0 + 5'500 * 3.0)) < 1e-6);  // opens 2/lot, close-today 3/lot
  return shandian::testing::finish("test_core_order_apply_allocations");
}
