// Bindings for the queue benchmarks (cpp/bench/ring_bench.hpp): convert, release the GIL, forward.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <vector>

#include "bench/ring_bench.hpp"
#include "bench_bindings.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {
namespace {

py::dict throughput_dict(const bench::ThroughputResult& result) {
  py::dict d;
  d["items"] = result.items;
  d["seconds"] = result.seconds;
  d["items_per_s"] = result.items_per_s;
  return d;
}

}  // namespace

void bind_ring(py::module_& m) {
  m.def(
      "bench_ring_throughput",
      [](std::int64_t items, std::int64_t capacity, int producer_cpu, int consumer_cpu) {
        bench::ThroughputResult result;
        {
          py::gil_scoped_release no_gil;
          result = bench::ring_throughput(items, capacity, producer_cpu, consumer_cpu);
        }
        return throughput_dict(result);
      },
      py::arg("items"), py::arg("capacity") = 65536, py::arg("producer_cpu") = -1, py::arg("consumer_cpu") = -1,
      "SpscRing<int64> throughput: one producer, one consumer checking the sequence (cpu -1 = not pinned).\n"
      "Returns {'items', 'seconds', 'items_per_s'}.");

  m.def(
      "bench_ring_roundtrip",
      [](std::int64_t trips, std::int64_t warmup, std::int64_t capacity, int ping_cpu, int pong_cpu) {
        std::vector<std::int64_t> nanos;
        {
          py::gil_scoped_release no_gil;
          nanos = bench::ring_roundtrip(trips, warmup, capacity, ping_cpu, pong_cpu);
        }
        return nanos;
      },
      py::arg("trips"), py::arg("warmup") = 10000, py::arg("capacity") = 1024, py::arg("ping_cpu") = -1,
      py::arg("pong_cpu") = -1,
      "SpscRing ping-pong through two rings; nanoseconds per round trip (std::chrono::steady_clock, one\n"
      "clock read per trip), `trips` samples after `warmup` untimed trips.");

  m.def(
      "bench_mpsc_throughput",
      [](std::int64_t items, int producers, std::int64_t capacity) {
        bench::ThroughputResult result;
        {
          py::gil_scoped_release no_gil;
          result = bench::mpsc_throughput(items, producers, capacity);
        }
        return throughput_dict(result);
      },
      py::arg("items"), py::arg("producers") = 2, py::arg("capacity") = 65536,
      "MpscQueue<int64> throughput: `items` in total from `producers` threads, one consumer checking each\n"
      "producer's sequence. Returns {'items', 'seconds', 'items_per_s'}.");
}

}  // namespace shandian::pyext::bench_module
