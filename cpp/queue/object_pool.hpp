// ObjectPool<T>: fixed-capacity pool of T with O(1) acquire/release and generation-checked handles.
//
// Used by the engine thread for objects with a bounded live count (orders, conditional orders), so the hot
// path never touches the heap (architecture.md, "Quality bar").
//
// Threading: NOT thread-safe. A pool is owned by one thread (the engine thread) and every call must come
// from it; handles may be passed around as plain values (e.g. inside events) but only dereferenced there.
//
// Design:
//  * All storage is allocated in the constructor; acquire/release never allocate.
//  * Free slots form an intrusive LIFO list threaded through the slots themselves: the most recently
//    released slot is reused first, which is the one most likely still in cache.
//  * A handle is {index, generation}. Each slot's generation is bumped on acquire and again on release, so
//    it is odd while the slot is live and even while free. A handle stays valid exactly until its object is
//    released; after that get() returns nullptr and release() reports PoolError::StaleHandle, which turns
//    use-after-release into a detectable error instead of silent corruption. The check can only be
//    fooled after 2^31 acquire/release cycles of the same slot while a stale handle is kept.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace shandian::queue {

enum class PoolError : std::uint8_t {
  Exhausted = 1,    // acquire(): every slot is live
  StaleHandle = 2,  // release(): the handle is null, out of range, or its object was already released
};

[[nodiscard]] constexpr const char* to_string(PoolError error) noexcept {
  switch (error) {
    case PoolError::Exhausted: return "POOL_EXHAUSTED";
    case PoolError::StaleHandle: return "POOL_STALE_HANDLE";
  }
  return "POOL_UNKNOWN_ERROR";
}

// A reference to a pooled object: two 32-bit integers, trivially copyable, safe to store in POD events.
// A default-constructed handle is null and never refers to an object.
struct PoolHandle {
  static constexpr std::uint32_t kNullIndex = 0xFFFF'FFFFU;

  std::uint32_t index = kNullIndex;
  std::uint32_t generation = 0;

  [[nodiscard]] constexpr bool is_null() const noexcept { return index == kNullIndex; }
  friend constexpr bool operator==(const PoolHandle&, const PoolHandle&) noexcept = default;
};
static_assert(std::is_trivially_copyable_v<PoolHandle> && sizeof(PoolHandle) == 8);

// Value-or-PoolError (std::expected is C++23). [[nodiscard]] so an ignored exhaustion is a warning, and
// with -Werror a build failure.
template <class V>
class [[nodiscard]] PoolResult {
 public:
  static constexpr PoolResult success(V value) noexcept { return PoolResult(value, PoolError{}, true); }
  static constexpr PoolResult failure(PoolError error) noexcept { return PoolResult(V{}, error, false); }

  [[nodiscard]] constexpr bool ok() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  // Precondition: ok().
  [[nodiscard]] constexpr const V& value() const noexcept {
    assert(ok_ && "PoolResult::value() on an error");
    return value_;
  }
  // Precondition: !ok().
  [[nodiscard]] constexpr PoolError error() const noexcept {
    assert(!ok_ && "PoolResult::error() on a success");
    return error_;
  }

 private:
  constexpr PoolResult(V value, PoolError error, bool ok) noexcept : value_(value), error_(error), ok_(ok) {}
  V value_;
  PoolError error_;
  bool ok_;
};

template <>
class [[nodiscard]] PoolResult<void> {
 public:
  static constexpr PoolResult success() noexcept { return PoolResult(PoolError{}, true); }
  static constexpr PoolResult failure(PoolError error) noexcept { return PoolResult(error, false); }

  [[nodiscard]] constexpr bool ok() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] constexpr PoolError error() const noexcept {
    assert(!ok_ && "PoolResult::error() on a success");
    return error_;
  }

 private:
  constexpr PoolResult(PoolError error, bool ok) noexcept : error_(error), ok_(ok) {}
  PoolError error_;
  bool ok_;
};

template <class T>
class ObjectPool {
  // release() destroys in place and reports through a return value; a throwing destructor would leave
  // the slot neither live nor free.
  static_assert(std::is_nothrow_destructible_v<T>, "ObjectPool<T> requires a nothrow-destructible T");
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>, "ObjectPool<T> stores mutable objects");

 public:
  using value_type = T;
  // One index value is reserved for the null handle.
  static constexpr std::size_t kMaxCapacity = PoolHandle::kNullIndex;

  explicit ObjectPool(std::size_t capacity)
      : capacity_(checked_capacity(capacity)), slots_(std::make_unique<Slot[]>(capacity_)) {
    for (std::uint32_t i = 0; i < capacity_; ++i) {
      slots_[i].next_free = i + 1 < capacity_ ? i + 1 : PoolHandle::kNullIndex;
    }
    first_free_ = 0;
  }

  ObjectPool(const ObjectPool&) = delete;
  ObjectPool& operator=(const ObjectPool&) = delete;
  ObjectPool(ObjectPool&&) = delete;  // handed-out T* must stay valid for the pool's lifetime
  ObjectPool& operator=(ObjectPool&&) = delete;

  ~ObjectPool() {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      for (std::uint32_t i = 0; i < capacity_; ++i) {
        if (is_live(slots_[i])) slots_[i].object()->~T();
      }
    }
  }

  // Constructs a T in a free slot. PoolError::Exhausted when every slot is live. If T's constructor
  // throws, the slot stays free and the exception propagates (the pool is unchanged).
  template <class... Args>
  PoolResult<PoolHandle> acquire(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    static_assert(std::is_constructible_v<T, Args&&...>, "T is not constructible from these arguments");
    if (first_free_ == PoolHandle::kNullIndex) return PoolResult<PoolHandle>::failure(PoolError::Exhausted);
    const std::uint32_t index = first_free_;
    Slot& slot = slots_[index];
    ::new (static_cast<void*>(slot.storage)) T(std::forward<Args>(args)...);
    first_free_ = slot.next_free;
    ++slot.generation;  // even -> odd: live
    ++live_count_;
    return PoolResult<PoolHandle>::success(PoolHandle{index, slot.generation});
  }

  // Destroys the object and frees its slot. PoolError::StaleHandle (and no effect) when the handle is
  // null, out of range, or already released.
  PoolResult<void> release(PoolHandle handle) noexcept {
    Slot* slot = live_slot(handle);
    if (slot == nullptr) return PoolResult<void>::failure(PoolError::StaleHandle);
    slot->object()->~T();
    ++slot->generation;  // odd -> even: free; every outstanding copy of `handle` is now stale
    slot->next_free = first_free_;
    first_free_ = handle.index;
    --live_count_;
    return PoolResult<void>::success();
  }

  // The live object `handle` refers to, or nullptr when the handle is null or stale. The pointer stays
  // valid until the object is released.
  [[nodiscard]] T* get(PoolHandle handle) noexcept {
    Slot* slot = live_slot(handle);
    return slot != nullptr ? slot->object() : nullptr;
  }
  [[nodiscard]] const T* get(PoolHandle handle) const noexcept { return const_cast<ObjectPool*>(this)->get(handle); }

  [[nodiscard]] bool contains(PoolHandle handle) const noexcept { return get(handle) != nullptr; }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t in_use() const noexcept { return live_count_; }
  [[nodiscard]] std::size_t available() const noexcept { return capacity_ - live_count_; }

 private:
  struct Slot {
    alignas(T) unsigned char storage[sizeof(T)];
    std::uint32_t generation = 0;  // odd while live
    std::uint32_t next_free = PoolHandle::kNullIndex;

    T* object() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  static bool is_live(const Slot& slot) noexcept { return (slot.generation & 1U) != 0; }

  Slot* live_slot(PoolHandle handle) noexcept {
    if (handle.index >= capacity_) return nullptr;  // also rejects the null handle
    Slot& slot = slots_[handle.index];
    // A live slot's generation is odd, and a handle's generation is the odd value it was issued with.
    return slot.generation == handle.generation && is_live(slot) ? &slot : nullptr;
  }

  static std::uint32_t checked_capacity(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("ObjectPool capacity must be at least 1");
    if (capacity > kMaxCapacity) throw std::length_error("ObjectPool capacity exceeds 2^32 - 1");
    return static_cast<std::uint32_t>(capacity);
  }

  const std::uint32_t capacity_;
  const std::unique_ptr<Slot[]> slots_;
  std::uint32_t first_free_ = PoolHandle::kNullIndex;
  std::uint32_t live_count_ = 0;
};

}  // namespace shandian::queue
