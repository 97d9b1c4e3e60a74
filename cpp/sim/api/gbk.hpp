// GBK text for CTP fields. Conversions use iconv (never a locale: a missing zh_CN.GB18030 locale aborts
// other projects' processes, lessons.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ThostFtdcUserApiStruct.h"

namespace shandian::sim {

// UTF-8 → GBK; characters GBK lacks become '?'. Returns the input unchanged if iconv is unavailable.
[[nodiscard]] std::string utf8_to_gbk(std::string_view utf8);
// GBK → UTF-8 (for tests and messages).
[[nodiscard]] std::string gbk_to_utf8(std::string_view gbk);

// Copies `text` into a fixed CTP char array, NUL-terminated, truncated at a character boundary of GBK.
void copy_field(char* dst, std::size_t size, std::string_view text) noexcept;
template <std::size_t N>
void copy_field(char (&dst)[N], std::string_view text) noexcept {
  copy_field(dst, N, text);
}

// Fills a CThostFtdcRspInfoField: ErrorID and the UTF-8 message converted to GBK.
void set_rsp_info(CThostFtdcRspInfoField& info, int error_id, std::string_view utf8_message);

}  // namespace shandian::sim
