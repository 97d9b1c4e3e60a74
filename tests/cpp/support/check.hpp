// Minimal assertion helpers for the C++ test executables: no framework, no dependency. A failed CHECK
// prints file:line and the expression and makes the executable exit non-zero at the end.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace shandian::testing {

struct Failures {
  int count = 0;
};

inline Failures& failures() {
  static Failures f;  // test-binary-only state; production code has no globals
  return f;
}

inline void report(const char* file, int line, const std::string& what) {
  ++failures().count;
  std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what.c_str());
}

inline int finish(const char* name) {
  if (failures().count) {
    std::fprintf(stderr, "%s: %d check(s) failed\n", name, failures().count);
    return 1;
  }
  std::printf("%s: ok\n", name);
  return 0;
}

}  // namespace shandian::testing

#define CHECK(expr)                                                      \
  do {                                                                   \
    if (!(expr)) ::shandian::testing::report(__FILE__, __LINE__, #expr); \
  } while (0)

#define CHECK_EQ(a, b)                                            \
  do {                                                            \
    const auto& _a = (a);                                         \
    const auto& _b = (b);                                         \
    if (!(_a == _b)) {                                            \
      std::ostringstream _os;                                     \
      _os << #a " == " #b " (" << _a << " vs " << _b << ")";      \
      ::shandian::testing::report(__FILE__, __LINE__, _os.str()); \
    }                                                             \
  } while (0)

// Fatal variant for preconditions whose failure would make later checks meaningless or crash.
#define REQUIRE(expr)                                         \
  do {                                                        \
    if (!(expr)) {                                            \
      ::shandian::testing::report(__FILE__, __LINE__, #expr); \
      std::exit(::shandian::testing::finish(__FILE__));       \
    }                                                         \
  } while (0)
