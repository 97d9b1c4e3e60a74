// Converts a C++ time of day (std::chrono::hh_mm_ss<milliseconds>) to Python's datetime.time, so a binding
// exposes a C++ function returning one directly (the Python type shows up as `datetime.time` in _core.pyi).
#pragma once
#include <datetime.h>
#include <pybind11/pybind11.h>

#include <chrono>

namespace pybind11::detail {

template <>
struct type_caster<std::chrono::hh_mm_ss<std::chrono::milliseconds>> {
  using TimeOfDay = std::chrono::hh_mm_ss<std::chrono::milliseconds>;
  PYBIND11_TYPE_CASTER(TimeOfDay, const_name("datetime.time"));

  // Python → C++ is not needed: no binding takes a time of day.
  bool load(handle, bool) { return false; }

  static handle cast(const TimeOfDay& t, return_value_policy, handle) {
    // datetime.h's capsule pointer is per translation unit; pybind11/chrono.h imports it the same way.
    if (!PyDateTimeAPI) {
      PyDateTime_IMPORT;
      if (!PyDateTimeAPI) throw error_already_set();
    }
    PyObject* time =
        PyTime_FromTime(static_cast<int>(t.hours().count()), static_cast<int>(t.minutes().count()),
                        static_cast<int>(t.seconds().count()), static_cast<int>(t.subseconds().count()) * 1000);
    if (time == nullptr) throw error_already_set();
    return time;
  }
};

}  // namespace pybind11::detail
