// FixedString<N>: a NUL-terminated char array that lives inside POD events (no heap, trivially copyable).
// Used for instrument ids, exchange ids, OrderSysIDs and messages that cross the vendor-thread rings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace shandian::core {

template <std::size_t N>
struct FixedString {
  static_assert(N >= 2, "FixedString needs room for at least one character and the terminator");
  char data[N];

  // Copies at most N-1 bytes of a C string (CTP char arrays are NUL-terminated, but a malformed one must
  // not run us past the source array, hence the bounded scan).
  void assign(const char* text, std::size_t max_source = N - 1) noexcept {
    std::size_t length = 0;
    if (text != nullptr) {
      const std::size_t limit = max_source < N - 1 ? max_source : N - 1;
      while (length < limit && text[length] != '\0') ++length;
      std::memcpy(data, text, length);
    }
    data[length] = '\0';
  }
  void assign(std::string_view text) noexcept {
    const std::size_t length = text.size() < N - 1 ? text.size() : N - 1;
    std::memcpy(data, text.data(), length);
    data[length] = '\0';
  }
  void clear() noexcept { data[0] = '\0'; }

  [[nodiscard]] std::string_view view() const noexcept { return std::string_view(data, ::strnlen(data, N)); }
  [[nodiscard]] const char* c_str() const noexcept { return data; }
  [[nodiscard]] bool empty() const noexcept { return data[0] == '\0'; }
  [[nodiscard]] static constexpr std::size_t capacity() noexcept { return N - 1; }

  friend bool operator==(const FixedString& a, const FixedString& b) noexcept { return a.view() == b.view(); }
  friend bool operator==(const FixedString& a, std::string_view b) noexcept { return a.view() == b; }
};

template <std::size_t N>
[[nodiscard]] inline FixedString<N> make_fixed(std::string_view text) noexcept {
  FixedString<N> s;
  s.assign(text);
  return s;
}

// FNV-1a: a cheap, well-distributed hash for the short ids (instrument, trade id) keyed on the engine
// thread. Not exposed to untrusted input at a scale where collision attacks matter.
[[nodiscard]] constexpr std::uint64_t fnv1a(std::string_view text,
                                            std::uint64_t seed = 1469598103934665603ULL) noexcept {
  std::uint64_t h = seed;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

static_assert(std::is_trivially_copyable_v<FixedString<8>>);

}  // namespace shandian::core
