// Bindings of the bar builder's throughput kernel (cpp/bars/bar_bench.hpp) and of the engine's per-tick cost
// with and without bars (cpp/bench/engine_tick_bench.hpp): convert, release the GIL, forward.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bars/bar_bench.hpp"
#include "bench/engine_tick_bench.hpp"
#include "bench_bindings.hpp"

namespace py = pybind11;

namespace shandian::pyext::bench_module {

void bind_bars(py::module_& m) {
  m.def(
      "bench_bars_build",
      [](const std::string& symbol, const std::vector<std::string>& intervals, std::int32_t days) {
        const bench::BarBenchOptions options{symbol, intervals, days};
        bench::BarBenchResult r;
        {
          py::gil_scoped_release no_gil;
          r = bench::bar_builder_throughput(options);
        }
        py::dict d;
        d["ticks"] = r.ticks;
        d["bars"] = r.bars;
        d["seconds"] = r.seconds;
        d["cpu_seconds"] = r.cpu_seconds;
        d["ticks_per_s"] = r.ticks_per_second();
        d["cpu_ticks_per_s"] = r.ticks_per_cpu_second();
        return d;
      },
      py::arg("symbol") = "rb2505", py::arg("intervals") = std::vector<std::string>{"1m"}, py::arg("days") = 20,
      "BarBuilder throughput on one instrument stream: DAYS trading days of 2 ticks/s (the first untimed).\n"
      "Returns {'ticks', 'bars', 'seconds', 'cpu_seconds', 'ticks_per_s', 'cpu_ticks_per_s'}.");
  m.def(
      "bench_engine_ticks",
      [](std::size_t symbols, std::size_t bar_symbols, const std::vector<std::string>& intervals) {
        const bench::EngineTickOptions options{symbols, bar_symbols, intervals};
        bench::EngineTickResult r;
        {
          py::gil_scoped_release no_gil;
          r = bench::engine_tick_cost(options);
        }
        py::dict d;
        d["ticks"] = r.ticks;
        d["bars"] = r.bars;
        d["cpu_seconds"] = r.cpu_seconds;
        d["cpu_ns_per_tick"] = r.cpu_ns_per_tick();
        return d;
      },
      py::arg("symbols") = 1, py::arg("bar_symbols") = 0, py::arg("intervals") = std::vector<std::string>{},
      "The engine's tick path (ring push + loop + a counting dispatcher, no Python) over a trading day of\n"
      "SYMBOLS instruments, one agent on every instrument's ticks and on INTERVALS bars of the first\n"
      "BAR_SYMBOLS. Returns {'ticks', 'bars', 'cpu_seconds', 'cpu_ns_per_tick'} (thread CPU time).");
}

}  // namespace shandian::pyext::bench_module
