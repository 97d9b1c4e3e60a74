// Bindings generated from the C++ one-list declarations (core/types.hpp enums, field lists of stats
// structs): adding a value or a field to its list needs no edit here or in the binding files.
#pragma once
#include <pybind11/pybind11.h>

#include <cctype>
#include <string>

namespace shandian::pyext {

// A Python enum with one member per entry of `enum_names(E{})`: the member name is the C++ to_string name
// upper-cased (`part_filled` -> PART_FILLED; reject codes already are), its doc the entry's doc.
template <class E>
pybind11::enum_<E> bind_enum_from_names(pybind11::module_& m, const char* python_name) {
  pybind11::enum_<E> e(m, python_name);
  for (const auto& entry : enum_names(E{})) {
    std::string name(entry.name);
    for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    e.value(name.c_str(), entry.value, entry.doc.empty() ? nullptr : std::string(entry.doc).c_str());
  }
  return e;
}

}  // namespace shandian::pyext
