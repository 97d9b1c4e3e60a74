#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "ctp/disconnect_reason.hpp"
#include "ctp/library.hpp"
#include "sim/feed/instrument_table.hpp"

namespace shandian::pyext {

void bind_ctp_library(pybind11::module_& m) {
  pybind11::register_exception<ctp::LibraryError>(m, "CtpLibraryError", PyExc_OSError);
  m.def(
      "probe_ctp_library",
      [](const std::string& directory) {
        pybind11::gil_scoped_release nogil;  // dlopen runs the vendor's static constructors: can be slow
        ctp::LibraryPair pair{std::filesystem::path(directory)};
        pybind11::gil_scoped_acquire gil;
        pybind11::dict d;
        d["trader_path"] = pair.trader_path();
        d["md_path"] = pair.md_path();
        d["trader_version"] = pair.trader_version();
        d["md_version"] = pair.md_version();
        return d;
      },
      pybind11::arg("directory"),
      "dlopen a CTP library pair in DIRECTORY, resolve the 6.7.11 factories by mangled name and return "
      "their GetApiVersion() strings. Raises CtpLibraryError naming the file or symbol that failed.");
  m.def(
      "disconnect_reason_text", [](int reason) { return std::string(ctp::disconnect_reason_text(reason)); },
      pybind11::arg("reason"), "OnFrontDisconnected's nReason in words (4097 -> 'network read failed').");
  m.def(
      "local_front_instruments",
      [](const std::vector<std::string>& wanted, const std::string& trading_day) {
        const std::vector<sim::InstrumentSpec> specs =
            trading_day.empty() ? sim::select_instruments(wanted) : sim::select_instruments(wanted, trading_day);
        std::vector<std::string> ids;
        ids.reserve(specs.size());
        for (const sim::InstrumentSpec& s : specs) ids.push_back(s.instrument_id);
        return ids;
      },
      pybind11::arg("instruments"), pybind11::arg("trading_day") = "",
      "The instrument ids a local front lists for its `instruments` and `trading_day` keys (offline, the "
      "front's own table). ValueError naming an unknown product or a bad trading day.");
}

}  // namespace shandian::pyext
