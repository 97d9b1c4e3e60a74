// Binding of the futex wake-up floor (cpp/bench/wake_bench.hpp): release the GIL, forward.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <vector>

#include "bench/wake_bench.hpp"
#include "bench_bindings.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {

void bind_wake(py::module_& m) {
  m.def(
      "bench_wake_floor",
      [](std::int64_t samples, std::int64_t warmup, std::int64_t gap_ns, std::int64_t poll_after_ns, bool poll_yields) {
        std::vector<std::int64_t> nanos;
        {
          py::gil_scoped_release no_gil;
          nanos = bench::futex_wake_floor(samples, warmup, gap_ns, poll_after_ns, poll_yields);
        }
        return nanos;
      },
      py::arg("samples"), py::arg("warmup") = 1000, py::arg("gap_ns") = 100000, py::arg("poll_after_ns") = 0,
      py::arg("poll_yields") = false,
      "Futex ping-pong between two C++ threads: nanoseconds from FUTEX_WAKE by a running thread to the\n"
      "sleeper running again, `samples` one-way wake-ups after `warmup` untimed ones; each waker first\n"
      "busy-waits `gap_ns` so the other is asleep in the kernel; with `poll_after_ns` the waker keeps\n"
      "polling that long after the wake before it sleeps itself (sched_yield ~every 1 us if `poll_yields`).");
}

}  // namespace shandian::pyext::bench_module
