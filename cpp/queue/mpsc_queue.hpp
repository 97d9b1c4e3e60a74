// MpscQueue<T>: bounded multi-producer single-consumer queue for control commands (CLI, web, timers)
// flowing into the engine thread (architecture.md, "Threads and data flow").
//
// Algorithm: Dmitry Vyukov's bounded MPMC queue, with the consumer side specialised to one thread.
// Every cell carries a sequence number that says whose turn it is:
//   sequence == position          the cell is free for the producer that claims `position`
//   sequence == position + 1      the cell holds the element for the consumer at `position`
// Producers claim a position with one CAS on enqueue_position_, construct the element, then publish it by
// storing the cell's sequence. The consumer needs no CAS: it alone advances dequeue_position_, and hands
// the cell to the next lap's producer by storing sequence = position + capacity.
//
// Properties:
//  * try_push never blocks and never allocates; it returns false when the queue is full.
//  * Storage is allocated once, in the constructor.
//  * Per-producer FIFO: positions are claimed in program order by each producer, and the consumer reads
//    positions in order, so the elements of any one producer arrive in the order it pushed them.
//  * Not lock-free in the strict sense: a producer preempted between its CAS and its publishing store
//    holds up the consumer at that one cell (other producers keep pushing until the queue fills). For
//    control traffic that is the right trade against a linked, allocating queue.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "queue/cache_line.hpp"

namespace shandian::queue {

template <class T>
class MpscQueue {
  // The consumer moves an element out and destroys it in place; an exception there would leave a cell
  // whose sequence says "full" but whose object is gone.
  static_assert(std::is_nothrow_move_constructible_v<T>, "MpscQueue<T> requires a nothrow-movable T");
  static_assert(std::is_nothrow_destructible_v<T>, "MpscQueue<T> requires a nothrow-destructible T");
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>, "MpscQueue<T> stores mutable objects");

 public:
  using value_type = T;

  // capacity: the minimum number of elements the queue must hold; rounded up to a power of two, at least
  // 2 (with one cell, "free for the next lap" and "full from this lap" would be the same sequence value).
  explicit MpscQueue(std::size_t min_capacity)
      : capacity_(checked_capacity(min_capacity)), mask_(capacity_ - 1), cells_(std::make_unique<Cell[]>(capacity_)) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      // relaxed: construction happens before the queue is shared; publication to other threads happens
      // through whatever synchronisation hands them the queue (thread start, a release store, ...).
      cells_[i].sequence.store(i, std::memory_order_relaxed);
    }
  }

  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;
  MpscQueue(MpscQueue&&) = delete;
  MpscQueue& operator=(MpscQueue&&) = delete;

  ~MpscQueue() {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      // All threads have been joined; relaxed loads see their final stores.
      std::uint64_t position = dequeue_position_.load(std::memory_order_relaxed);
      for (;;) {
        Cell& cell = cells_[position & mask_];
        if (cell.sequence.load(std::memory_order_relaxed) != position + 1) break;
        cell.element()->~T();
        ++position;
      }
    }
  }

  // ---- any producer thread --------------------------------------------------------------------------

  // Constructs an element in place; returns false (constructing nothing) when the queue is full.
  template <class... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    static_assert(std::is_constructible_v<T, Args&&...>, "T is not constructible from these arguments");
    // relaxed: only a starting guess; the CAS below validates it and the cell's sequence (acquired) is
    // what orders our access to the cell.
    std::uint64_t position = enqueue_position_.load(std::memory_order_relaxed);
    Cell* cell = nullptr;
    for (;;) {
      cell = &cells_[position & mask_];
      // acquire: pairs with the consumer's release store of `position` (a lap ago) after it moved the
      // previous element out, so our construction below cannot overlap the consumer still reading it.
      const std::uint64_t sequence = cell->sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(sequence - position);
      if (lag == 0) {
        // relaxed (success and failure): the CAS only arbitrates which producer owns `position`; it
        // publishes nothing. Ownership of the cell's contents is transferred through cell->sequence.
        if (enqueue_position_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed,
                                                    std::memory_order_relaxed)) {
          break;
        }
        // CAS failure reloaded `position`; retry with the new value.
      } else if (lag < 0) {
        // The cell still holds the element from the previous lap: the queue is full.
        return false;
      } else {
        // Another producer claimed `position` after our load; catch up. relaxed: as above.
        position = enqueue_position_.load(std::memory_order_relaxed);
      }
    }
    ::new (static_cast<void*>(cell->storage)) T(std::forward<Args>(args)...);
    // release: publishes the constructed element to the consumer's acquire load in try_pop().
    cell->sequence.store(position + 1, std::memory_order_release);
    return true;
  }

  [[nodiscard]] bool try_push(const T& value) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    return try_emplace(value);
  }

  [[nodiscard]] bool try_push(T&& value) noexcept { return try_emplace(std::move(value)); }

  // ---- the single consumer thread -------------------------------------------------------------------

  // Moves the oldest published element into `out`; false when empty (or when the oldest claimed position
  // is not yet published by its producer).
  [[nodiscard]] bool try_pop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    // relaxed: only this thread stores dequeue_position_.
    const std::uint64_t position = dequeue_position_.load(std::memory_order_relaxed);
    Cell& cell = cells_[position & mask_];
    // acquire: pairs with the producer's release store in try_emplace(), making the element visible.
    if (cell.sequence.load(std::memory_order_acquire) != position + 1) return false;
    T* element = cell.element();
    out = std::move(*element);
    element->~T();
    // release: our read and destruction of the element happen-before the next lap's producer (acquire
    // on the same sequence) constructs into the cell.
    cell.sequence.store(position + capacity_, std::memory_order_release);
    // relaxed: dequeue_position_ is atomic only so size_approx() may read it from other threads; it
    // guards no data.
    dequeue_position_.store(position + 1, std::memory_order_relaxed);
    return true;
  }

  // ---- either side ----------------------------------------------------------------------------------

  // A possibly stale estimate, for metrics only.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // relaxed: an estimate; the two loads are not a consistent snapshot, hence the clamp.
    const std::uint64_t dequeued = dequeue_position_.load(std::memory_order_relaxed);
    const std::uint64_t claimed = enqueue_position_.load(std::memory_order_relaxed);
    if (claimed <= dequeued) return 0;
    const std::uint64_t size = claimed - dequeued;
    return size < capacity_ ? static_cast<std::size_t>(size) : capacity_;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  // Cells are not padded to a cache line each: consecutive producers touching neighbouring cells do
  // share lines, but padding would multiply the footprint by 64/sizeof(T) and the contended line in this
  // algorithm is enqueue_position_ anyway.
  struct Cell {
    std::atomic<std::uint64_t> sequence{0};
    alignas(T) unsigned char storage[sizeof(T)];

    T* element() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  static std::size_t checked_capacity(std::size_t min_capacity) {
    constexpr std::size_t largest = (std::numeric_limits<std::size_t>::max() / 4) / sizeof(Cell);
    if (min_capacity == 0) throw std::invalid_argument("MpscQueue capacity must be at least 1");
    if (min_capacity > largest) throw std::length_error("MpscQueue capacity too large");
    return round_up_to_power_of_two(min_capacity < 2 ? 2 : min_capacity);
  }

  alignas(kFalseSharingRange) const std::size_t capacity_;
  const std::uint64_t mask_;
  const std::unique_ptr<Cell[]> cells_;

  // Contended by all producers.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> enqueue_position_{0};

  // Written by the consumer only.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> dequeue_position_{0};

  static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "the queue relies on lock-free 64-bit atomics");
};

}  // namespace shandian::queue
