// One bind_* function per binding file, so each file stays small and owned by one component.
// Adding a component: declare its bind_* here and call it from module.cpp (one line each).
#pragma once
#include <pybind11/pybind11.h>

namespace shandian::core {
class Engine;
}
namespace shandian::runtime {
class Runtime;
}

namespace shandian::pyext {
void bind_build_info(pybind11::module_& m);
void bind_ctp_library(pybind11::module_& m);
void bind_engine(pybind11::module_& m);
void bind_risk(pybind11::module_& m);
void bind_latency(pybind11::module_& m);
void bind_bars(pybind11::module_& m);
// The C++ engine behind a `_core.Engine` object (pyext/engine.cpp); TypeError for anything else.
core::Engine& engine_of(pybind11::handle engine);
// The runtime (engine, risk engine, journal, kill switch) behind a `_core.Engine` object; TypeError otherwise.
runtime::Runtime& runtime_of(pybind11::handle engine);
}  // namespace shandian::pyext
