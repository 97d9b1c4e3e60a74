// FixedHashMap<Key, Value, Hash>: open addressing with linear probing, all storage allocated in the
// constructor, no erase (entries are retired in place by their owners instead, which keeps probing simple
// and lets late or replayed CTP reports still find what they refer to). Engine-thread only.
//
// Capacity is the number of entries the caller needs; the table is sized to a power of two >= 2x that, so
// the load factor stays <= 0.5 and probe sequences stay short. insert() past the stated capacity fails
// (the caller reports it); it never grows, so it never allocates after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>

#include "queue/cache_line.hpp"

namespace shandian::core {

template <class Key, class Value, class Hash>
class FixedHashMap {
 public:
  explicit FixedHashMap(std::size_t capacity)
      : capacity_(capacity),
        slot_count_(queue::round_up_to_power_of_two(capacity < 4 ? 8 : capacity * 2)),
        slots_(std::make_unique<Slot[]>(slot_count_)) {
    if (capacity == 0) throw std::invalid_argument("FixedHashMap capacity must be at least 1");
  }

  // The value stored under key, or nullptr.
  [[nodiscard]] Value* find(const Key& key) noexcept {
    const std::size_t mask = slot_count_ - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (!slot.used) return nullptr;
      if (slot.key == key) return &slot.value;
    }
  }
  [[nodiscard]] const Value* find(const Key& key) const noexcept { return const_cast<FixedHashMap*>(this)->find(key); }

  enum class InsertResult : std::uint8_t { Inserted, Exists, Full };

  // Inserts key -> value unless key is present (then the stored value is left alone). `*where` points at
  // the stored value in both cases.
  [[nodiscard]] InsertResult insert(const Key& key, const Value& value, Value** where = nullptr) noexcept {
    const std::size_t mask = slot_count_ - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (!slot.used) {
        if (size_ >= capacity_) return InsertResult::Full;
        slot.used = true;
        slot.key = key;
        slot.value = value;
        ++size_;
        if (where != nullptr) *where = &slot.value;
        return InsertResult::Inserted;
      }
      if (slot.key == key) {
        if (where != nullptr) *where = &slot.value;
        return InsertResult::Exists;
      }
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };
  std::size_t capacity_;
  std::size_t slot_count_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t size_ = 0;
};

}  // namespace shandian::core
