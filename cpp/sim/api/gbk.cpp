#include "sim/api/gbk.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstring>

namespace shandian::sim {
namespace {

std::string convert(const char* to, const char* from, std::string_view in) {
  iconv_t cd = ::iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(in);
  std::string out(in.size() * 2 + 8, '\0');
  char* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  while (src_left > 0) {
    const std::size_t r = ::iconv(cd, &src, &src_left, &dst, &dst_left);
    if (r != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(dst - out.data());
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
      continue;
    }
    // EILSEQ / EINVAL: replace one input byte and go on.
    if (dst_left == 0) {
      const std::size_t used = static_cast<std::size_t>(dst - out.data());
      out.resize(out.size() * 2);
      dst = out.data() + used;
      dst_left = out.size() - used;
    }
    *dst++ = '?';
    --dst_left;
    ++src;
    --src_left;
  }
  out.resize(static_cast<std::size_t>(dst - out.data()));
  ::iconv_close(cd);
  return out;
}

}  // namespace

std::string utf8_to_gbk(std::string_view utf8) { return convert("GBK", "UTF-8", utf8); }
std::string gbk_to_utf8(std::string_view gbk) { return convert("UTF-8", "GBK", gbk); }

void copy_field(char* dst, std::size_t size, std::string_view text) noexcept {
  if (size == 0) return;
  std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
  // Do not cut a two-byte GBK character in half: count lead bytes up to n.
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x81 && c <= 0xFE) {
      if (i + 1 >= n) break;
      i += 2;
    } else {
      ++i;
    }
  }
  n = i;
  std::memcpy(dst, text.data(), n);
  std::memset(dst + n, 0, size - n);
}

void set_rsp_info(CThostFtdcRspInfoField& info, int error_id, std::string_view utf8_message) {
  info.ErrorID = error_id;
  copy_field(info.ErrorMsg, utf8_to_gbk(utf8_message));
}

}  // namespace shandian::sim
