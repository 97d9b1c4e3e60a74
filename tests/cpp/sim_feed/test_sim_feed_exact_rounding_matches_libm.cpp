// llround_exact / round_exact (sim/feed/instrument.hpp: to_ticks / from_ticks without the libm call) give
// libm's std::llround / std::round results bit for bit: halves, their neighbours, signed zeros, the
// magnitudes where the fast path hands over, and many seeded values on and off the tick grids.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "sim/feed/instrument.hpp"
#include "support/check.hpp"

using namespace shandian::sim;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

std::size_t mismatches(double x) {
  std::size_t bad = 0;
  if (std::isfinite(x) && std::fabs(x) < 9.0e18 && llround_exact(x) != std::llround(x)) ++bad;
  if (!same_bits(round_exact(x), std::round(x)) && !(std::isnan(x))) ++bad;
  return bad;
}

void edge_values_round_as_libm() {
  std::vector<double> xs = {0.0,
                            -0.0,
                            0.5,
                            -0.5,
                            1.5,
                            -1.5,
                            2.5,
                            -2.5,
                            0.49999999999999994,
                            -0.49999999999999994,
                            0.3,
                            -0.3,
                            1e-300,
                            -1e-300,
                            4503599627370495.5,
                            -4503599627370495.5,
                            4503599627370496.0,
                            9007199254740993.0,
                            4.0e15,
                            4.0e15 + 0.5,
                            3.9999999999999995e15,
                            4.0e18,
                            -4.0e18,
                            4611686018427387904.0,
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::denorm_min()};
  for (std::int64_t k = -5; k <= 5; ++k) {
    const double half = static_cast<double>(k) + 0.5;
    xs.push_back(half);
    xs.push_back(std::nextafter(half, 1e300));
    xs.push_back(std::nextafter(half, -1e300));
  }
  std::size_t bad = 0;
  for (double x : xs) bad += mismatches(x);
  CHECK_EQ(bad, 0u);
  CHECK(std::isnan(round_exact(std::numeric_limits<double>::quiet_NaN())));
}

void seeded_prices_and_grids_round_as_libm() {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> wide(-1e7, 1e7);
  std::uniform_int_distribution<std::int64_t> ticks(-2'000'000, 2'000'000);
  const double grids[] = {1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.0001, 5.0, 10.0};
  std::size_t bad = 0, checked = 0;
  for (int i = 0; i < 400'000; ++i) {
    const double x = wide(rng);
    bad += mismatches(x) + mismatches(x * 1e-6) + mismatches(std::floor(x) + 0.5);
    checked += 3;
  }
  for (double tick : grids) {
    InstrumentSpec spec;
    spec.price_tick = tick;
    for (int i = 0; i < 50'000; ++i) {
      const std::int64_t k = ticks(rng);
      const double price = std::round(static_cast<double>(k) * tick * 1e6) / 1e6;  // from_ticks as libm had it
      bad += !same_bits(spec.from_ticks(k), price);
      bad += spec.to_ticks(price) != std::llround(price / tick);
      const double off = price + tick * (wide(rng) / 1e7);  // off the grid: anywhere within a tick
      bad += spec.to_ticks(off) != std::llround(off / tick);
      checked += 3;
    }
  }
  CHECK(checked > 1'000'000);
  CHECK_EQ(bad, 0u);
}

}  // namespace

int main() {
  edge_values_round_as_libm();
  seeded_prices_and_grids_round_as_libm();
  return shandian::testing::finish("test_sim_feed_exact_rounding_matches_libm");
}
