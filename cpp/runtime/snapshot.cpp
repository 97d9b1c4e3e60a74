#include "runtime/snapshot.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <new>
#include <stdexcept>
#include <string_view>

#include "core/clock.hpp"
#include "runtime/runtime.hpp"

namespace shandian::runtime {
namespace {

template <std::size_t N>
void copy_text(char (&out)[N], std::string_view text) noexcept {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

std::int64_t realtime_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

std::runtime_error os_error(const std::string& what, const std::string& path) {
  return std::runtime_error("snapshot " + path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

std::int64_t histogram_quantile(const core::LatencyHistogram& h, double q) noexcept {
  // shandian/histogram.py's Histogram.percentile, the reference: nearest rank, the bucket's upper bound
  // clamped to [min, max].
  const std::uint64_t total = h.count();
  if (total == 0) return 0;
  const double exact = std::ceil(q * static_cast<double>(total) - 1e-9);
  const auto rank = static_cast<std::uint64_t>(std::max(1.0, exact));
  const auto counts = h.counts();
  const int p = h.precision_bits();
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (seen < rank) continue;
    std::int64_t high = static_cast<std::int64_t>(i);
    if (i >= (std::size_t{1} << p)) {
      // Inverse of LatencyHistogram::bucket_index: index = (shift << (p - 1)) + (value >> shift).
      const std::size_t shift = (i >> (p - 1)) - 1;
      const std::size_t mantissa = i - (shift << (p - 1));
      high = static_cast<std::int64_t>(((mantissa + 1) << shift) - 1);
    }
    return std::clamp(high, h.min(), h.max());
  }
  return h.max();
}

SnapshotWriter::SnapshotWriter(const std::string& path, std::int64_t interval_ns)
    : path_(path), interval_ns_(interval_ns) {
  if (interval_ns <= 0) throw std::invalid_argument("snapshot interval must be > 0 ns");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw os_error("open", path);
  if (::ftruncate(fd, sizeof(Snapshot)) != 0) {
    const auto error = os_error("ftruncate", path);
    ::close(fd);
    throw error;
  }
  void* map = ::mmap(nullptr, sizeof(Snapshot), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw os_error("mmap", path);
  shared_ = static_cast<Snapshot*>(map);
  scratch_ = new Snapshot{};  // ~120 KB: on the heap, allocated once
  scratch_->magic = kSnapshotMagic;
  scratch_->version = kSnapshotVersion;
  scratch_->size = sizeof(Snapshot);
}

SnapshotWriter::~SnapshotWriter() {
  if (shared_ != nullptr) ::munmap(shared_, sizeof(Snapshot));
  delete scratch_;
}

bool SnapshotWriter::maybe_publish(Runtime& runtime, const core::LatencyHistogram* latency,
                                   std::int64_t now_ns) noexcept {
  if (now_ns < next_ns_) return false;
  publish(runtime, latency, now_ns);
  return true;
}

namespace {

// The seqlock's fences. GCC cannot instrument a standalone fence under -fsanitize=thread (-Wtsan); the
// writer and its readers are different processes (the snapshot is a shared file), which TSan never observes
// together, so under TSan the fences stay as they are and only the warning is silenced.
#if defined(__SANITIZE_THREAD__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
inline void seqlock_fence(std::memory_order order) noexcept { std::atomic_thread_fence(order); }
#if defined(__SANITIZE_THREAD__)
#pragma GCC diagnostic pop
#endif

}  // namespace

void SnapshotWriter::publish(Runtime& runtime, const core::LatencyHistogram* latency, std::int64_t now_ns) noexcept {
  next_ns_ = now_ns + interval_ns_;
  fill(*scratch_, runtime, latency);
  scratch_->publishes = ++publishes_;
  scratch_->mono_ns = now_ns;
  scratch_->wall_ns = realtime_ns();
  std::atomic_ref<std::uint64_t> seq(shared_->seq);
  // Only this thread writes seq: relaxed load. The odd value is stored relaxed and followed by a release
  // fence so no byte of the copy becomes visible before a reader can see seq odd; the final release store
  // publishes the copy to a reader whose acquire load sees the new even value.
  const std::uint64_t start = seq.load(std::memory_order_relaxed);
  seq.store(start + 1, std::memory_order_relaxed);
  seqlock_fence(std::memory_order_release);
  // Everything but seq itself (which only the atomic stores touch).
  auto* to = reinterpret_cast<unsigned char*>(shared_);
  const auto* from = reinterpret_cast<const unsigned char*>(scratch_);
  constexpr std::size_t seq_at = offsetof(Snapshot, seq);
  constexpr std::size_t after_seq = seq_at + sizeof(std::uint64_t);
  std::memcpy(to, from, seq_at);
  std::memcpy(to + after_seq, from + after_seq, sizeof(Snapshot) - after_seq);
  seq.store(start + 2, std::memory_order_release);
}

void SnapshotWriter::fill(Snapshot& s, Runtime& runtime, const core::LatencyHistogram* latency) noexcept {
  core::Engine& engine = runtime.engine();
  const risk::RiskEngine* risk = runtime.risk();
  ctp::Session& session = runtime.session();
  s.pid = static_cast<std::int32_t>(::getpid());
  s.trading_day = session.trading_day();
  copy_text(s.trader_state, ctp::to_string(session.trader_state()));
  copy_text(s.md_state, ctp::to_string(session.md_state()));
  s.trading_ready = engine.trading_ready() ? 1 : 0;
  s.account_state = risk != nullptr ? static_cast<std::uint8_t>(risk->account_state()) : 0;
  s.killed = risk != nullptr && risk->killed() ? 1 : 0;
  const core::Ledgers& ledgers = engine.ledgers();
  const core::AccountFigures account = ledgers.account().live;
  s.balance = account.balance;
  s.available = account.available;
  s.margin = account.margin;
  s.frozen_margin = account.frozen_margin;
  const core::EngineStats& stats = engine.stats();
  s.events = stats.events;
  s.ticks = stats.ticks;
  s.orders_sent = stats.orders_sent;
  s.cancels_sent = stats.cancels_sent;
  if (latency != nullptr) {
    s.latency_count = latency->count();
    s.latency_p50 = histogram_quantile(*latency, 0.50);
    s.latency_p90 = histogram_quantile(*latency, 0.90);
    s.latency_p99 = histogram_quantile(*latency, 0.99);
    s.latency_max = latency->count() != 0 ? latency->max() : 0;
  }

  const core::InstrumentRegistry& registry = engine.registry();
  std::uint32_t refusals[core::kRejectCodeSlots] = {};
  const std::size_t agents = std::min(engine.agent_count(), Snapshot::kMaxAgents);
  s.agent_count = static_cast<std::uint32_t>(agents);
  s.position_count = 0;
  s.position_total = 0;
  for (std::size_t a = 0; a < agents; ++a) {
    const auto id = static_cast<core::AgentId>(a);
    const core::AgentLedger& l = ledgers.agent(id);
    SnapAgent& out = s.agents[a];
    copy_text(out.name, engine.agent_name(id));
    out.state = risk != nullptr ? static_cast<std::uint8_t>(risk->agent_state(id)) : 0;
    out.realized_pnl = l.realized_pnl;
    out.unrealized_pnl = ledgers.unrealized_pnl(id);
    out.commission = l.commission;
    out.margin = l.margin;
    out.orders = l.orders;
    out.fills = l.fills;
    out.filled_lots = l.filled_lots;
    out.cancels = l.cancels;
    out.rejects = l.rejects;
    out.cancelled = l.cancelled;
    for (std::size_t c = 0; c < core::kRejectCodeSlots; ++c) refusals[c] += l.refusals[c];
    for (std::uint32_t slot = ledgers.first_slot(id); slot != 0xFFFF'FFFFU; slot = ledgers.slot(slot).next_in_bucket) {
      const core::PositionLedger& p = ledgers.slot(slot);
      ++s.position_total;
      if (s.position_count == Snapshot::kMaxPositions || !registry.contains(p.instrument)) continue;
      SnapPosition& pos = s.positions[s.position_count++];
      pos.agent = static_cast<std::uint32_t>(a);
      copy_text(pos.symbol, registry.at(p.instrument).spec.symbol.view());
      pos.long_lots = p.of(true).held();
      pos.short_lots = p.of(false).held();
      pos.long_avg_price = p.of(true).avg_price;
      pos.short_avg_price = p.of(false).avg_price;
      pos.realized_pnl = p.realized_pnl;
      pos.unrealized_pnl = ledgers.position_unrealized(p);
    }
  }
  s.refusal_count = 0;
  for (std::size_t c = 0; c < core::kRejectCodeSlots && s.refusal_count < Snapshot::kMaxRefusals; ++c) {
    if (refusals[c] == 0) continue;
    s.refusals[s.refusal_count++] = SnapRefusal{static_cast<std::uint16_t>(c), 0, refusals[c]};
  }

  s.instrument_count = 0;
  s.instrument_total = 0;
  for (core::InstrumentIndex i = 0; i < registry.size(); ++i) {
    const core::InstrumentState& st = registry.at(i);
    if (st.subscribers == 0 || !st.has_tick) continue;  // what some agent watches
    ++s.instrument_total;
    if (s.instrument_count == Snapshot::kMaxInstruments) continue;
    SnapInstrument& out = s.instruments[s.instrument_count++];
    copy_text(out.symbol, st.spec.symbol.view());
    out.last_price = st.last_tick.last_price;
    out.bid_price = st.last_tick.bid_price[0];
    out.ask_price = st.last_tick.ask_price[0];
    out.volume = st.last_tick.volume;
    out.update_ms = st.last_tick.update_ms;
  }

  const auto live = engine.order_manager().live();
  s.order_total = static_cast<std::uint32_t>(live.size());
  s.order_count = 0;
  for (const core::OrderId id : live) {
    if (s.order_count == Snapshot::kMaxOrders) break;
    const core::Order* o = engine.order(id);
    if (o == nullptr) continue;
    SnapOrder& out = s.orders[s.order_count++];
    out.id = o->id;
    out.agent = o->agent;
    copy_text(out.symbol, o->symbol.view());
    out.direction = static_cast<std::uint8_t>(o->direction);
    out.offset = static_cast<std::uint8_t>(o->offset);
    out.kind = static_cast<std::uint8_t>(o->kind);
    out.status = static_cast<std::uint8_t>(o->status);
    out.price = o->price;
    out.volume = o->volume;
    out.traded = o->traded;
  }
}

SnapshotReader::SnapshotReader(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw os_error("open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < sizeof(Snapshot)) {
    ::close(fd);
    throw std::runtime_error("snapshot " + path + ": not a snapshot file (size " + std::to_string(st.st_size) +
                             ", expected " + std::to_string(sizeof(Snapshot)) + ")");
  }
  void* map = ::mmap(nullptr, sizeof(Snapshot), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw os_error("mmap", path);
  shared_ = static_cast<const Snapshot*>(map);
}

SnapshotReader::~SnapshotReader() {
  if (shared_ != nullptr) ::munmap(const_cast<Snapshot*>(shared_), sizeof(Snapshot));
}

bool SnapshotReader::read(Snapshot& out) const noexcept {
  auto& seq_word = const_cast<std::uint64_t&>(shared_->seq);  // atomic_ref needs a non-const object
  std::atomic_ref<std::uint64_t> seq(seq_word);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    // acquire: the copy below sees at least what the writer published with this even value
    const std::uint64_t before = seq.load(std::memory_order_acquire);
    if (before & 1U) continue;
    std::memcpy(static_cast<void*>(&out), shared_, sizeof(Snapshot));
    // acquire fence: the copy's loads are ordered before the re-check of seq
    seqlock_fence(std::memory_order_acquire);
    if (seq.load(std::memory_order_relaxed) == before) {
      return out.magic == kSnapshotMagic && out.version == kSnapshotVersion;
    }
  }
  return false;
}

}  // namespace shandian::runtime
