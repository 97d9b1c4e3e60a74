// shandian._core: thin pybind11 bindings. Logic lives in cpp/; each binding converts and forwards.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "shandian C++ core (bindings only; see cpp/)";
  shandian::pyext::bind_build_info(m);
  shandian::pyext::bind_ctp_library(m);
  shandian::pyext::bind_engine(m);
  shandian::pyext::bind_risk(m);
  shandian::pyext::bind_latency(m);
  shandian::pyext::bind_bars(m);
}
