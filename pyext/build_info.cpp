#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"

namespace shandian::pyext {

void bind_build_info(pybind11::module_& m) {
  m.def(
      "build_info",
      [] {
        pybind11::dict d;
        d["version"] = SHANDIAN_VERSION;
        d["compiler"] = SHANDIAN_COMPILER;
        d["build_type"] = SHANDIAN_BUILD_TYPE;
        d["flags"] = SHANDIAN_BUILD_FLAGS;
        d["ctp_api_version"] = SHANDIAN_CTP_SDK_VERSION;
        d["cplusplus"] = __cplusplus;
        return d;
      },
      "Compiler, flags and pinned CTP API version this extension was built with (for provenance).");
}

}  // namespace shandian::pyext
