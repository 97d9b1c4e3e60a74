// GBK -> UTF-8 for the text CTP sends (ErrorMsg, StatusMsg, InstrumentName), through iconv and never a
// locale: std::locale("zh_CN.GB18030") aborts where that locale is not installed (vnpy#1421, vnpy_ctp#24).
//
// One converter per thread (an iconv_t carries shift state and is not thread-safe): each Spi owns one.
// The source charset is GB18030, a strict superset of GBK and CP936, so every byte sequence CTP emits
// decodes. Pure-ASCII input (most ids, most English broker messages) takes a memcpy fast path.
#pragma once

#include <iconv.h>
#include <cstddef>

namespace shandian::ctp {

class GbkToUtf8 {
 public:
  // Throws std::runtime_error when iconv has no GB18030/GBK converter (a broken libc install).
  GbkToUtf8();
  ~GbkToUtf8();
  GbkToUtf8(const GbkToUtf8&) = delete;
  GbkToUtf8& operator=(const GbkToUtf8&) = delete;

  // Converts the NUL-terminated GBK text in[0, in_max) into out (always NUL-terminated, out_capacity >= 1).
  // Output that does not fit is cut at a character boundary, never inside a UTF-8 sequence; an invalid
  // byte becomes '?'. Returns the number of bytes written before the terminator. Never allocates.
  std::size_t convert(const char* in, std::size_t in_max, char* out, std::size_t out_capacity) noexcept;

  template <std::size_t InN, std::size_t OutN>
  std::size_t convert(const char (&in)[InN], char (&out)[OutN]) noexcept {
    return convert(in, InN, out, OutN);
  }

 private:
  iconv_t cd_;
};

}  // namespace shandian::ctp
