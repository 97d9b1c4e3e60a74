// SpscRing<T>: bounded, wait-free single-producer single-consumer ring.
//
// Used for every vendor-thread -> engine-thread hand-off (architecture.md, "Threads and data flow"): one
// producer thread (a CTP callback thread, or the engine feeding the journal) and one consumer thread.
// Calling the producer side from two threads, or the consumer side from two threads, is a data race.
//
// Design (after rigtorp/SPSCQueue):
//  * Capacity is rounded up to a power of two so a slot is `index & mask`, and indices are free-running
//    64-bit counters: full is `write - read == capacity`, empty is `write == read`, every slot is usable,
//    and a counter cannot wrap in the lifetime of a process (2^64 items at 10^9/s is 584 years).
//  * Storage is allocated once, in the constructor; push and pop never allocate.
//  * write_index_ and read_index_ live in separate 128-byte regions. Each side also keeps a private cached
//    copy of the other side's index and refreshes it only when the cached value says full (producer) or
//    empty (consumer). In steady state each side then reads the other's cache line once per "lap" of
//    catching up instead of once per item, which is what keeps the lines from bouncing between cores.
//  * Elements are constructed in place on push and destroyed on pop, so T need not be default
//    constructible; the consumer may use an element in place (front()/peek_batch()) before releasing it.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "queue/cache_line.hpp"

namespace shandian::queue {

template <class T>
class SpscRing {
  // A pop moves the element out and destroys it on the consumer thread; neither may throw, or an
  // exception would leave a slot half-consumed with read_index_ not advanced and the element destroyed
  // twice. Trivially copyable PODs (the Event type) satisfy this trivially.
  static_assert(std::is_nothrow_move_constructible_v<T>, "SpscRing<T> requires a nothrow-movable T");
  static_assert(std::is_nothrow_destructible_v<T>, "SpscRing<T> requires a nothrow-destructible T");
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>, "SpscRing<T> stores mutable objects");

 public:
  using value_type = T;

  // capacity: the minimum number of elements the ring must hold; rounded up to a power of two.
  explicit SpscRing(std::size_t min_capacity)
      : capacity_(checked_capacity(min_capacity)),
        mask_(capacity_ - 1),
        storage_(std::allocator<T>{}.allocate(capacity_ + 2 * kPaddingSlots)),
        slots_(storage_ + kPaddingSlots) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  SpscRing(SpscRing&&) = delete;  // the indices are shared with two running threads; never relocate them
  SpscRing& operator=(SpscRing&&) = delete;

  ~SpscRing() {
    // By the time the ring is destroyed both threads have stopped (joined), and the join gave us
    // happens-before with their last stores, so relaxed loads see the final indices.
    if constexpr (!std::is_trivially_destructible_v<T>) {
      const std::uint64_t end = write_index_.load(std::memory_order_relaxed);
      for (std::uint64_t i = read_index_.load(std::memory_order_relaxed); i != end; ++i) {
        slots_[i & mask_].~T();
      }
    }
    std::allocator<T>{}.deallocate(storage_, capacity_ + 2 * kPaddingSlots);
  }

  // ---- producer side -------------------------------------------------------------------------------

  // Constructs an element in place; returns false (and constructs nothing) when the ring is full.
  template <class... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    static_assert(std::is_constructible_v<T, Args&&...>, "T is not constructible from these arguments");
    // relaxed: only this (producer) thread ever stores write_index_, so it reads its own latest value.
    const std::uint64_t write = write_index_.load(std::memory_order_relaxed);
    if (write - producer_cached_read_ == capacity_) {
      // acquire: pairs with the consumer's release store in pop()/pop_batch(). Seeing read index r means
      // the consumer has finished moving out and destroying every element below r, so constructing into
      // those slots below cannot race with the consumer still reading them.
      producer_cached_read_ = read_index_.load(std::memory_order_acquire);
      if (write - producer_cached_read_ == capacity_) return false;
    }
    ::new (static_cast<void*>(slots_ + (write & mask_))) T(std::forward<Args>(args)...);
    // release: publishes the element just constructed; the consumer's acquire load of write_index_ that
    // observes write + 1 therefore also observes the element's bytes.
    write_index_.store(write + 1, std::memory_order_release);
    return true;
  }

  [[nodiscard]] bool try_push(const T& value) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    return try_emplace(value);
  }

  [[nodiscard]] bool try_push(T&& value) noexcept { return try_emplace(std::move(value)); }

  // ---- consumer side -------------------------------------------------------------------------------

  // The oldest element, or nullptr when the ring is empty. Stays valid until pop().
  [[nodiscard]] T* front() noexcept {
    // relaxed: only this (consumer) thread ever stores read_index_.
    const std::uint64_t read = read_index_.load(std::memory_order_relaxed);
    if (read == consumer_cached_write_) {
      // acquire: pairs with the producer's release store in try_emplace(); makes the elements below the
      // observed write index visible before we read them.
      consumer_cached_write_ = write_index_.load(std::memory_order_acquire);
      if (read == consumer_cached_write_) return nullptr;
    }
    return slots_ + (read & mask_);
  }

  // Destroys the element front() returned and releases its slot. Precondition: front() != nullptr.
  void pop() noexcept {
    // relaxed: consumer-owned index (see front()).
    const std::uint64_t read = read_index_.load(std::memory_order_relaxed);
    assert(read != consumer_cached_write_ && "pop() on an empty SpscRing (call front() first)");
    slots_[read & mask_].~T();
    // release: our reads and destruction of the slot happen-before the producer (acquire in
    // try_emplace) reuses it.
    read_index_.store(read + 1, std::memory_order_release);
  }

  // Moves the oldest element into `out`; returns false when the ring is empty.
  [[nodiscard]] bool try_pop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    T* element = front();
    if (element == nullptr) return false;
    out = std::move(*element);
    pop();
    return true;
  }

  // Up to max_count of the oldest elements as one contiguous run, for draining without a per-item
  // index store. The run stops at the physical end of the storage: when the readable elements wrap,
  // a second call after pop_batch() returns the rest. Empty span when the ring is empty.
  [[nodiscard]] std::span<T> peek_batch(std::size_t max_count) noexcept {
    // relaxed: consumer-owned index (see front()).
    const std::uint64_t read = read_index_.load(std::memory_order_relaxed);
    std::uint64_t available = consumer_cached_write_ - read;
    if (available < max_count) {
      // acquire: as in front(); refreshed only when the cached view cannot fill the request, so a
      // consumer that is behind drains whole batches without touching the producer's cache line.
      consumer_cached_write_ = write_index_.load(std::memory_order_acquire);
      available = consumer_cached_write_ - read;
    }
    const std::size_t offset = static_cast<std::size_t>(read & mask_);
    const std::size_t until_wrap = capacity_ - offset;
    std::size_t count = max_count;
    if (available < count) count = static_cast<std::size_t>(available);
    if (until_wrap < count) count = until_wrap;
    return {slots_ + offset, count};
  }

  // Destroys and releases the first `count` elements of the last peek_batch() run.
  // Precondition: count <= size of that run (0 is allowed and does nothing).
  void pop_batch(std::size_t count) noexcept {
    if (count == 0) return;
    // relaxed: consumer-owned index (see front()).
    const std::uint64_t read = read_index_.load(std::memory_order_relaxed);
    assert(count <= consumer_cached_write_ - read && "pop_batch() beyond the peeked elements");
    assert((read & mask_) + count <= capacity_ && "pop_batch() across the wrap point");
    if constexpr (!std::is_trivially_destructible_v<T>) {
      T* first = slots_ + (read & mask_);
      for (std::size_t i = 0; i < count; ++i) first[i].~T();
    }
    // release: as in pop(), for the whole run at once.
    read_index_.store(read + count, std::memory_order_release);
  }

  // ---- either thread -------------------------------------------------------------------------------

  // A snapshot that may be stale by the time it is returned; for metrics and back-pressure heuristics,
  // never for deciding whether a pop will succeed.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // acquire on read_index_ first: the consumer stored read index r only after observing a write index
    // >= r, and acquiring r makes that observation happen-before our load of write_index_ below, which
    // therefore cannot return less than r (read-read coherence). The difference is never negative.
    const std::uint64_t read = read_index_.load(std::memory_order_acquire);
    // relaxed: any value at least as new as the one the consumer saw is fine for an estimate.
    const std::uint64_t write = write_index_.load(std::memory_order_relaxed);
    const std::uint64_t size = write - read;
    // Between the two loads the consumer may have popped and the producer refilled: clamp.
    return size < capacity_ ? static_cast<std::size_t>(size) : capacity_;
  }

  [[nodiscard]] bool empty_approx() const noexcept { return size_approx() == 0; }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  // Unused slots either side of the element storage, so the first and last slots (written by both
  // threads in turn) do not share a cache line with unrelated heap data.
  static constexpr std::size_t kPaddingSlots = (kFalseSharingRange - 1) / sizeof(T) + 1;

  static std::size_t checked_capacity(std::size_t min_capacity) {
    constexpr std::size_t largest = (std::numeric_limits<std::size_t>::max() / 4) / sizeof(T) - 2 * kPaddingSlots;
    if (min_capacity == 0) throw std::invalid_argument("SpscRing capacity must be at least 1");
    if (min_capacity > largest) throw std::length_error("SpscRing capacity too large");
    return round_up_to_power_of_two(min_capacity);
  }

  // Read-only after construction and read by both threads: its own region so that index stores do not
  // invalidate it.
  alignas(kFalseSharingRange) const std::size_t capacity_;
  const std::uint64_t mask_;
  T* const storage_;
  T* const slots_;

  // Producer-owned: the index it stores and its private cache of the consumer's index.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> write_index_{0};
  std::uint64_t producer_cached_read_ = 0;

  // Consumer-owned: the index it stores and its private cache of the producer's index. The class is
  // 128-byte aligned, so sizeof() pads this region to a full 128 bytes as well.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> read_index_{0};
  std::uint64_t consumer_cached_write_ = 0;

  static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "the ring relies on lock-free 64-bit atomics");
};

}  // namespace shandian::queue
