// Counts every heap allocation of a test binary (operator new/delete and malloc/calloc/realloc replaced,
// forwarding to glibc's __libc_* entry points), for the "no allocation on the hot path" tests. Include it in
// exactly one translation unit of a test executable: the replacements are global by definition.
//
// Under ASan/TSan the sanitizer owns the allocator, so SHANDIAN_COUNT_ALLOCATIONS is 0, the replacements
// are compiled out and a test only exercises the same path (still checked for races and memory errors).
//
// Use: g_counting.store(true) around the measured code, then read g_allocations.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

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
  // relaxed: the counter is read after the measured threads are joined or synchronised with the reader
  // (engine stop, thread join); only the total matters, not its order against other memory.
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
