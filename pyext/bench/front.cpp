// Bindings of the local front benchmarks (cpp/bench/front_bench.hpp): thin, GIL released while running.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bench/front_bench.hpp"
#include "bench_bindings.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {

void bind_front(py::module_& m) {
  m.def(
      "bench_front_ticks",
      [](const std::string& lib_dir, std::uint64_t ticks) {
        bench::FrontTickResult r;
        {
          py::gil_scoped_release release;
          r = bench::bench_front_ticks(lib_dir, ticks);
        }
        py::dict d;
        d["ticks"] = r.ticks;
        d["seconds"] = r.seconds;
        d["ticks_per_s"] = r.ticks_per_s;
        return d;
      },
      py::arg("lib_dir"), py::arg("ticks"),
      "Generated snapshots through the local front's md callback thread into a no-op Spi (speed=0).");
  m.def(
      "bench_front_insert_latency",
      [](const std::string& lib_dir, int orders, int warmup) {
        py::gil_scoped_release release;
        return bench::bench_front_insert_latency(lib_dir, orders, warmup);
      },
      py::arg("lib_dir"), py::arg("orders"), py::arg("warmup"),
      "ns per ReqOrderInsert -> first OnRtnOrder through the local front's trader library (wait=block).");
}

}  // namespace shandian::pyext::bench_module
