// _core.LatencyHistogram: the engine's tick → agent latency record (cpp/core/latency_histogram.hpp).
#include <pybind11/pybind11.h>

#include <cstdint>
#include <span>
#include <string>

#include "bindings.hpp"
#include "core/latency_histogram.hpp"

namespace py = pybind11;

namespace shandian::pyext {

void bind_latency(py::module_& m) {
  using core::LatencyHistogram;
  py::class_<LatencyHistogram>(m, "LatencyHistogram",
                               "Log-linear latency histogram (ns) folded in C++; to_dict() is "
                               "shandian.histogram.Histogram.to_dict()'s form.")
      .def(py::init<int>(), py::arg("precision_bits") = 9)
      .def("record", &LatencyHistogram::record, py::arg("value"))
      .def(
          "record_many",
          [](LatencyHistogram& h, const py::buffer& values) {
            const py::buffer_info info = values.request();
            if (info.ndim != 1 || info.itemsize != sizeof(std::int64_t) || (info.format != "q" && info.format != "l")) {
              throw py::type_error("record_many needs a 1-D int64 buffer (array('q')), got format '" + info.format +
                                   "' of " + std::to_string(info.itemsize) + "-byte items");
            }
            h.record_many(std::span(static_cast<const std::int64_t*>(info.ptr), static_cast<std::size_t>(info.size)));
          },
          py::arg("values"), "Count every sample of an array('q') (negative samples count as 0).")
      .def_property_readonly("count", &LatencyHistogram::count)
      .def("to_dict", [](const LatencyHistogram& h) {
        py::dict d;
        d["precision_bits"] = h.precision_bits();
        d["count"] = h.count();
        d["sum"] = h.sum();
        d["min"] = h.count() ? py::object(py::int_(h.min())) : py::object(py::none());
        d["max"] = h.count() ? py::object(py::int_(h.max())) : py::object(py::none());
        py::list buckets;
        const auto counts = h.counts();
        for (std::size_t i = 0; i < counts.size(); ++i) {
          if (counts[i] != 0) buckets.append(py::make_tuple(i, counts[i]));
        }
        d["buckets"] = buckets;
        return d;
      });
}

}  // namespace shandian::pyext
