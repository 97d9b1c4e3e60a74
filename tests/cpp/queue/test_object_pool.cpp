// ObjectPool: exhaustion as a typed error, slot reuse, stale-handle detection, object lifetimes.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "queue/object_pool.hpp"
#include "support/check.hpp"

using shandian::queue::ObjectPool;
using shandian::queue::PoolError;
using shandian::queue::PoolHandle;

namespace {

struct Order {
  std::uint64_t id;
  std::int64_t price_ticks;
  Order(std::uint64_t i, std::int64_t p) : id(i), price_ticks(p) {}
};

void acquire_constructs_and_get_returns_the_object() {
  ObjectPool<Order> pool(4);
  auto acquired = pool.acquire(7U, 3500);
  REQUIRE(acquired.ok());
  Order* order = pool.get(acquired.value());
  REQUIRE(order != nullptr);
  CHECK_EQ(order->id, 7U);
  CHECK_EQ(order->price_ticks, 3500);
  CHECK(pool.contains(acquired.value()));
  CHECK_EQ(pool.in_use(), 1U);
  CHECK_EQ(pool.available(), 3U);
  const ObjectPool<Order>& as_const = pool;
  CHECK(as_const.get(acquired.value()) == order);
}

void exhaustion_is_reported_as_a_typed_error() {
  ObjectPool<Order> pool(3);
  std::vector<PoolHandle> handles;
  for (std::uint64_t i = 0; i < 3; ++i) {
    auto acquired = pool.acquire(i, 0);
    REQUIRE(acquired.ok());
    handles.push_back(acquired.value());
  }
  auto exhausted = pool.acquire(99U, 0);
  CHECK(!exhausted.ok());
  CHECK(!static_cast<bool>(exhausted));
  CHECK(exhausted.error() == PoolError::Exhausted);
  CHECK_EQ(std::string(to_string(exhausted.error())), std::string("POOL_EXHAUSTED"));
  CHECK_EQ(pool.in_use(), 3U);
  CHECK_EQ(pool.available(), 0U);
  // Releasing one makes exactly one acquire possible again.
  CHECK(pool.release(handles[1]).ok());
  CHECK(pool.acquire(100U, 0).ok());
  CHECK(!pool.acquire(101U, 0).ok());
}

void released_slot_is_reused_and_old_handle_goes_stale() {
  ObjectPool<Order> pool(2);
  const PoolHandle first = pool.acquire(1U, 10).value();
  CHECK(pool.release(first).ok());
  CHECK(pool.get(first) == nullptr);
  CHECK(!pool.contains(first));

  const PoolHandle second = pool.acquire(2U, 20).value();
  CHECK_EQ(second.index, first.index);  // LIFO free list: the slot just released comes back first
  CHECK(second.generation != first.generation);
  CHECK(!(second == first));
  CHECK(pool.get(first) == nullptr);  // the stale handle does not alias the new occupant
  REQUIRE(pool.get(second) != nullptr);
  CHECK_EQ(pool.get(second)->id, 2U);
}

void double_release_and_bogus_handles_are_stale_errors_without_effect() {
  ObjectPool<Order> pool(2);
  const PoolHandle handle = pool.acquire(1U, 10).value();
  const PoolHandle other = pool.acquire(2U, 20).value();
  CHECK(pool.release(handle).ok());
  auto again = pool.release(handle);
  CHECK(!again.ok());
  CHECK(again.error() == PoolError::StaleHandle);
  CHECK_EQ(pool.in_use(), 1U);  // the double release changed nothing

  const PoolHandle null_handle{};
  CHECK(null_handle.is_null());
  CHECK(pool.get(null_handle) == nullptr);
  CHECK(pool.release(null_handle).error() == PoolError::StaleHandle);
  CHECK(pool.get(PoolHandle{5, 1}) == nullptr);  // out of range
  CHECK(pool.release(PoolHandle{5, 1}).error() == PoolError::StaleHandle);
  CHECK(pool.get(PoolHandle{other.index, other.generation + 2}) == nullptr);  // forged generation
  REQUIRE(pool.get(other) != nullptr);
  CHECK_EQ(pool.get(other)->id, 2U);
}

void many_cycles_keep_every_slot_usable() {
  ObjectPool<Order> pool(8);
  std::vector<PoolHandle> live;
  for (int cycle = 0; cycle < 10'000; ++cycle) {
    while (live.size() < 8) live.push_back(pool.acquire(static_cast<std::uint64_t>(cycle), 0).value());
    CHECK(!pool.acquire(0U, 0).ok());
    // Release in an order that scrambles the free list.
    for (std::size_t i = 0; i < live.size(); i += 2) CHECK(pool.release(live[i]).ok());
    for (std::size_t i = 1; i < live.size(); i += 2) CHECK(pool.release(live[i]).ok());
    for (const PoolHandle& h : live) CHECK(pool.get(h) == nullptr);
    live.clear();
  }
  CHECK_EQ(pool.in_use(), 0U);
  CHECK_EQ(pool.available(), 8U);
}

struct Tracked {
  static inline int live = 0;  // test-local bookkeeping
  explicit Tracked(bool fail) {
    if (fail) throw std::runtime_error("constructor failed");
    ++live;
  }
  ~Tracked() { --live; }
};

void throwing_constructor_leaves_the_pool_unchanged() {
  ObjectPool<Tracked> pool(1);
  bool threw = false;
  try {
    (void)pool.acquire(true);
  } catch (const std::runtime_error&) {
    threw = true;
  }
  CHECK(threw);
  CHECK_EQ(pool.in_use(), 0U);
  auto acquired = pool.acquire(false);  // the slot was not lost
  CHECK(acquired.ok());
  CHECK_EQ(Tracked::live, 1);
}

void pool_destructor_destroys_live_objects_only() {
  {
    ObjectPool<Tracked> pool(4);
    const PoolHandle a = pool.acquire(false).value();
    (void)pool.acquire(false).value();
    (void)pool.acquire(false).value();
    CHECK(pool.release(a).ok());
    CHECK_EQ(Tracked::live, 2);
  }
  CHECK_EQ(Tracked::live, 0);
}

void zero_capacity_is_rejected() {
  bool threw = false;
  try {
    ObjectPool<int> pool(0);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

}  // namespace

int main() {
  acquire_constructs_and_get_returns_the_object();
  exhaustion_is_reported_as_a_typed_error();
  released_slot_is_reused_and_old_handle_goes_stale();
  double_release_and_bogus_handles_are_stale_errors_without_effect();
  many_cycles_keep_every_slot_usable();
  throwing_constructor_leaves_the_pool_unchanged();
  pool_destructor_destroys_live_objects_only();
  zero_capacity_is_rejected();
  return shandian::testing::finish("test_object_pool");
}
