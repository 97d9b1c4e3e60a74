// One bind_* function per binding file of shandian._bench (benchmarks and test probes, pyext/bench/).
// Adding one: declare its bind_* here and call it from pyext/bench/module.cpp.
#pragma once
#include <pybind11/pybind11.h>

namespace shandian::pyext::bench_module {
void bind_ring(pybind11::module_& m);
void bind_wake(pybind11::module_& m);
void bind_front(pybind11::module_& m);
void bind_risk(pybind11::module_& m);
void bind_order(pybind11::module_& m);
void bind_lab(pybind11::module_& m);
void bind_bars(pybind11::module_& m);
}  // namespace shandian::pyext::bench_module
