// Binding of the order-path micro-benchmark (cpp/bench/order_bench.hpp): convert, release the GIL, forward.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <vector>

#include "bench/order_bench.hpp"
#include "bench_bindings.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {

void bind_order(py::module_& m) {
  m.def(
      "bench_order_apply",
      [](std::int64_t iterations, std::int64_t warmup) {
        if (iterations <= 0 || warmup < 0) throw py::value_error("iterations must be > 0 and warmup >= 0");
        std::vector<std::int64_t> nanos;
        {
          py::gil_scoped_release no_gil;
          nanos = bench::order_apply(iterations, warmup);
        }
        return nanos;
      },
      py::arg("iterations") = 200000, py::arg("warmup") = 10000,
      "OnRtnTrade applied to its order + the per-agent ledgers (OrderManager::apply_trade: dedupe, sys-id\n"
      "lookup, ledger booking, FSM, frozen resync), 1-lot trades alternating open / close. Returns a list of\n"
      "nanoseconds per apply (steady_clock, one clock read per sample, included), `iterations` samples after\n"
      "`warmup` untimed applies.");
}

}  // namespace shandian::pyext::bench_module
