// The generator's output is pinned: a digest of every event's bytes (kind, time, instrument and the whole
// snapshot or status field, padding included) for fixed seeds, sessions and the bundled instruments. The
// local front and the backtest replay the same generator and tests compare them, so a change of its
// internals (speed) must leave every byte as it was; a deliberate change of the stream updates these digests.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "feed_test_support.hpp"

using namespace shandian::sim;

namespace {

struct Digest {
  std::uint64_t h = 1469598103934665603ULL;
  void add(const void* data, std::size_t n) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  }
};

std::uint64_t stream_digest(const std::vector<InstrumentSpec>& instruments, std::uint64_t seed, bool night,
                            const std::string& day, std::size_t& events) {
  GeneratorSource source(instruments, GeneratorOptions{seed, day, night, 0});
  FeedEvent e{};
  Digest d;
  events = 0;
  while (source.next(e)) {
    ++events;
    const auto kind = static_cast<std::uint8_t>(e.kind);
    d.add(&kind, sizeof kind);
    d.add(&e.exchange_ns, sizeof e.exchange_ns);
    d.add(&e.instrument_index, sizeof e.instrument_index);
    if (e.kind == FeedEvent::Kind::Tick) d.add(&e.tick, sizeof e.tick);
    if (e.kind == FeedEvent::Kind::Status) d.add(&e.status, sizeof e.status);
  }
  return d.h;
}

struct Case {
  std::uint64_t seed;
  bool night;
  const char* day;
  double limit_ratio;  // 0: the bundled ratios; else every instrument's band (narrow: prices sit at the limits)
  std::uint64_t digest;
};

void every_bundled_instrument_stream_matches_its_pinned_digest() {
  const Case cases[] = {
      {7, true, "20250102", 0.0, 0xbc014bbdc42fc2bdULL},
      {42, false, "20250106", 0.0, 0x570a6e10ccd1d676ULL},
      {2024, true, "20250102", 0.003, 0xb95992a1d5374104ULL},
  };
  for (const Case& c : cases) {
    std::vector<InstrumentSpec> all = bundled_instruments();
    if (c.limit_ratio > 0) {
      for (InstrumentSpec& s : all) s.limit_ratio = c.limit_ratio;
    }
    std::size_t events = 0;
    const std::uint64_t got = stream_digest(all, c.seed, c.night, c.day, events);
    std::printf("seed %llu night %d day %s: %zu events, digest 0x%016llxULL\n", static_cast<unsigned long long>(c.seed),
                c.night ? 1 : 0, c.day, events, static_cast<unsigned long long>(got));
    CHECK(events > 100'000);
    CHECK_EQ(got, c.digest);
  }
}

}  // namespace

int main() {
  every_bundled_instrument_stream_matches_its_pinned_digest();
  return shandian::testing::finish("test_sim_feed_generator_stream_digest_is_pinned");
}
