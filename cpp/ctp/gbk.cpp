#include "ctp/gbk.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace shandian::ctp {

GbkToUtf8::GbkToUtf8() {
  cd_ = ::iconv_open("UTF-8", "GB18030");
  if (cd_ == reinterpret_cast<iconv_t>(-1)) cd_ = ::iconv_open("UTF-8", "GBK");
  if (cd_ == reinterpret_cast<iconv_t>(-1)) {
    throw std::runtime_error(std::string("iconv cannot convert GBK to UTF-8: ") + std::strerror(errno));
  }
}

GbkToUtf8::~GbkToUtf8() { ::iconv_close(cd_); }

std::size_t GbkToUtf8::convert(const char* in, std::size_t in_max, char* out, std::size_t out_capacity) noexcept {
  if (out_capacity == 0) return 0;
  std::size_t in_length = 0;
  bool ascii = true;
  if (in != nullptr) {
    while (in_length < in_max && in[in_length] != '\0') {
      if (static_cast<unsigned char>(in[in_length]) >= 0x80) ascii = false;
      ++in_length;
    }
  }
  const std::size_t room = out_capacity - 1;
  if (ascii) {
    const std::size_t n = in_length < room ? in_length : room;
    if (n > 0) std::memcpy(out, in, n);  // memcpy from nullptr is UB even for 0 bytes
    out[n] = '\0';
    return n;
  }
  ::iconv(cd_, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  char* src = const_cast<char*>(in);                 // iconv's prototype is not const-correct; it does not write
  std::size_t src_left = in_length;
  char* dst = out;
  std::size_t dst_left = room;
  while (src_left > 0 && dst_left > 0) {
    const std::size_t rc = ::iconv(cd_, &src, &src_left, &dst, &dst_left);
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == EILSEQ) {  // an invalid byte: substitute and move on
      *dst++ = '?';
      --dst_left;
      ++src;
      --src_left;
    } else {
      break;  // E2BIG: out of room (cut at a character boundary); EINVAL: truncated input sequence
    }
  }
  *dst = '\0';
  return static_cast<std::size_t>(dst - out);
}

}  // namespace shandian::ctp
