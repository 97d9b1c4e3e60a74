// The machine's futex wake-up floor, for the Python harness (python -m bench wake_floor) through
// pyext/bench/wake.cpp: what any blocking hand-off between two threads costs on this kernel / VM at least.
//
// Two threads take turns. The running one busy-waits `gap_ns` (long enough for the other to be asleep in
// the kernel, as the engine thread is between ticks), stamps steady_clock, bumps the other's futex word and
// calls FUTEX_WAKE, then sleeps on its own word (FUTEX_WAIT). The woken thread stamps steady_clock as soon
// as FUTEX_WAIT returns: one sample = that stamp − the waker's stamp, i.e. FUTEX_WAKE + the scheduler
// switching the sleeper in on its CPU + the return to user space. No queue, no work, no GIL: the engine's
// block wait (tick → engine thread) cannot be faster than this on the same machine.
#pragma once

#include <cstdint>
#include <vector>

namespace shandian::bench {

// `samples` one-way wake-ups after `warmup` untimed ones; nanoseconds each. Threads are not pinned (as the
// engine's default). With poll_after_ns > 0 the waker busy-polls that long after FUTEX_WAKE before it
// sleeps (as a consumer that spins before blocking does, e.g. the local front's callback thread after a
// callback): when the scheduler queues the woken thread on the waker's CPU, the sample shows how long it
// waits behind that poll, and with poll_yields (sched_yield about every microsecond of polling) that it
// need not. Throws std::invalid_argument for samples < 1 or a negative warmup, gap_ns or poll_after_ns.
[[nodiscard]] std::vector<std::int64_t> futex_wake_floor(std::int64_t samples, std::int64_t warmup, std::int64_t gap_ns,
                                                         std::int64_t poll_after_ns = 0, bool poll_yields = false);

}  // namespace shandian::bench
