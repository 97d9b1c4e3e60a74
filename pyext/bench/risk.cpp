// Binding of the risk engine's check benchmark (cpp/bench/risk_bench.hpp): convert, release the GIL, forward.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/risk_bench.hpp"
#include "bench_bindings.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {

void bind_risk(py::module_& m) {
  m.def(
      "bench_risk_check",
      [](std::int64_t samples, std::int64_t warmup, std::int32_t resting_orders, std::int32_t agents,
         const std::string& kind) {
        bench::RiskBenchOptions o;
        o.samples = samples;
        o.warmup = warmup;
        o.resting_orders = resting_orders;
        o.agents = agents;
        o.kind = kind;
        std::vector<std::int64_t> nanos;
        {
          py::gil_scoped_release no_gil;
          nanos = bench::risk_check_latency(o);
        }
        return nanos;
      },
      py::arg("samples") = 100000, py::arg("warmup") = 10000, py::arg("resting_orders") = 8, py::arg("agents") = 4,
      py::arg("kind") = "order",
      "Risk engine full rule set: nanoseconds per check_order (kind='order') or check_cancel ('cancel'), one\n"
      "sample per check (steady_clock, two reads per sample), `samples` after `warmup` untimed checks.");
}

}  // namespace shandian::pyext::bench_module
