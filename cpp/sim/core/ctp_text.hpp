// Text and small formatting helpers of the exchange core: the GBK byte strings CTP puts on the wire, the
// error ids of error.xml with their prompts, and bounded copies into the fixed char arrays of CTP structs.
//
// Why constants and not iconv: every Chinese string the core emits is one of a handful of fixed texts, so
// they are stored here already GBK-encoded (generated once from the UTF-8 text in the comment). No locale,
// no conversion at run time, nothing to fail at start-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace shandian::sim::text {

// --- GBK texts (bytes, NUL-terminated). Hex escapes are split from following ASCII on purpose.
inline constexpr const char kSubmitted[] = "\xb1\xa8\xb5\xa5\xd2\xd1\xcc\xe1\xbd\xbb";  // 报单已提交 (10 bytes)
inline constexpr const char kNoTrade[] = "\xce\xb4\xb3\xc9\xbd\xbb";                    // 未成交 (6 bytes)
inline constexpr const char kPartTraded[] = "\xb2\xbf\xb7\xd6\xb3\xc9\xbd\xbb";         // 部分成交 (8 bytes)
inline constexpr const char kAllTraded[] = "\xc8\xab\xb2\xbf\xb3\xc9\xbd\xbb";          // 全部成交 (8 bytes)
inline constexpr const char kCanceled[] = "\xd2\xd1\xb3\xb7\xb5\xa5";                   // 已撤单 (6 bytes)
inline constexpr const char kAllTradedSubmitted[] =
    "\xc8\xab\xb2\xbf\xb3\xc9\xbd\xbb\xb1\xa8\xb5\xa5\xd2\xd1\xcc\xe1\xbd\xbb";  // 全部成交报单已提交 (18 bytes)
inline constexpr const char kRejectedPrefix[] =
    "\xd2\xd1\xb3\xb7\xb5\xa5\xb1\xa8\xb5\xa5\xb1\xbb\xbe\xdc\xbe\xf8";  // 已撤单报单被拒绝 (16 bytes)
inline constexpr const char kCorrect[] = "CTP:\xd5\xfd\xc8\xb7";         // CTP:正确 (8 bytes)
inline constexpr const char kBadLogin[] =
    "CTP:\xb2\xbb\xba\xcf\xb7\xa8\xb5\xc4\xb5\xc7\xc2\xbc";  // CTP:不合法的登录 (16 bytes)
inline constexpr const char kNotLoggedIn[] =
    "CTP:\xbb\xb9\xc3\xbb\xd3\xd0\xb5\xc7\xc2\xbc";  // CTP:还没有登录 (14 bytes)
inline constexpr const char kBadField[] =
    "CTP:\xb1\xa8\xb5\xa5\xd7\xd6\xb6\xce\xd3\xd0\xce\xf3";  // CTP:报单字段有误 (16 bytes)
inline constexpr const char kInstrumentNotFound[] =
    "CTP:\xd5\xd2\xb2\xbb\xb5\xbd\xba\xcf\xd4\xbc";  // CTP:找不到合约 (14 bytes)
inline constexpr const char kDuplicateOrderRef[] =
    "CTP:\xb2\xbb\xd4\xca\xd0\xed\xd6\xd8\xb8\xb4\xb1\xa8\xb5\xa5";  // CTP:不允许重复报单 (18 bytes)
inline constexpr const char kBadActionField[] =
    "CTP:\xb1\xa8\xb5\xa5\xb2\xd9\xd7\xf7\xd7\xd6\xb6\xce\xd3\xd0\xce\xf3";  // CTP:报单操作字段有误 (20 bytes)
inline constexpr const char kOrderNotFound[] =
    "CTP:\xb3\xb7\xb5\xa5\xd5\xd2\xb2\xbb\xb5\xbd\xcf\xe0\xd3\xa6\xb1\xa8\xb5\xa5";  // CTP:撤单找不到相应报单 (22
                                                                                     // bytes)
inline constexpr const char kInsuitableStatus[] =
    "CTP:"
    "\xb1\xa8\xb5\xa5\xd2\xd1\xc8\xab\xb3\xc9\xbd\xbb\xbb\xf2\xd2\xd1\xb3\xb7\xcf\xfa\xa3\xac\xb2\xbb\xc4\xdc\xd4\xd9"
    "\xb3\xb7";  // CTP:报单已全成交或已撤销，不能再撤 (34 bytes)
inline constexpr const char kOverClose[] =
    "CTP:\xc6\xbd\xb2\xd6\xc1\xbf\xb3\xac\xb9\xfd\xb3\xd6\xb2\xd6\xc1\xbf";  // CTP:平仓量超过持仓量 (20 bytes)
inline constexpr const char kInsufficientMoney[] = "CTP:\xd7\xca\xbd\xf0\xb2\xbb\xd7\xe3";  // CTP:资金不足 (12 bytes)
inline constexpr const char kSettlementNotConfirmed[] =
    "CTP:\xbd\xe1\xcb\xe3\xbd\xe1\xb9\xfb\xce\xb4\xc8\xb7\xc8\xcf";  // CTP:结算结果未确认 (18 bytes)
inline constexpr const char kOverCloseToday[] =
    "CTP:\xc6\xbd\xbd\xf1\xb2\xd6\xce\xbb\xb2\xbb\xd7\xe3";  // CTP:平今仓位不足 (16 bytes)
inline constexpr const char kOverCloseYesterday[] =
    "CTP:\xc6\xbd\xd7\xf2\xb2\xd6\xce\xbb\xb2\xbb\xd7\xe3";  // CTP:平昨仓位不足 (16 bytes)
inline constexpr const char kAuthFailed[] =
    "CTP:\xbf\xcd\xbb\xa7\xb6\xcb\xc8\xcf\xd6\xa4\xca\xa7\xb0\xdc";  // CTP:客户端认证失败 (18 bytes)
inline constexpr const char kDuplicateLogin[] =
    "CTP:\xd6\xd8\xb8\xb4\xb5\xc4\xb5\xc7\xc2\xbc";  // CTP:重复的登录 (14 bytes)
inline constexpr const char kSessionLimit[] =
    "CTP:\xd3\xc3\xbb\xa7\xd4\xda\xcf\xdf\xbb\xe1\xbb\xb0\xb3\xac\xb3\xf6\xc9\xcf\xcf\xde";  // CTP:用户在线会话超出上限
                                                                                             // (24 bytes)
inline constexpr const char kLoginForbidden[] =
    "CTP:"
    "\xc1\xac\xd0\xf8\xb5\xc7\xc2\xbc\xca\xa7\xb0\xdc\xb4\xce\xca\xfd\xb3\xac\xcf\xde\xa3\xac\xb5\xc7\xc2\xbc\xb1\xbb"
    "\xbd\xfb\xd6\xb9";  // CTP:连续登录失败次数超限，登录被禁止 (36 bytes)
inline constexpr const char kIpForbidden[] =
    "CTP:\xc4\xfa\xb5\xc7\xc2\xbc\xca\xa7\xb0\xdc\xb4\xce\xca\xfd\xb9\xfd\xb6\xe0\xa3\xac"
    "IP\xb1\xbb\xbd\xfb\xd6\xb9\xb5\xc7\xc8\xeb"
    "CTP";  // CTP:您登录失败次数过多，IP被禁止登入CTP (39 bytes)
// CTP:撤单已报送，不允许重复撤单 (30 bytes)
inline constexpr const char kDuplicateAction[] =
    "CTP:\xb3\xb7\xb5\xa5\xd2\xd1\xb1\xa8\xcb\xcd\xa3\xac\xb2\xbb\xd4\xca\xd0\xed\xd6\xd8\xb8\xb4\xb3\xb7\xb5\xa5";
// CTP:该交易所不支持撤销未知单 (28 bytes)
inline constexpr const char kCancelUnknownUnsupported[] =
    "CTP:\xb8\xc3\xbd\xbb\xd2\xd7\xcb\xf9\xb2\xbb\xd6\xa7\xb3\xd6\xb3\xb7\xcf\xfa\xce\xb4\xd6\xaa\xb5\xa5";
inline constexpr const char kNotAuthent[] =
    "CTP:\xbf\xcd\xbb\xa7\xb6\xcb\xce\xb4\xc8\xcf\xd6\xa4";  // CTP:客户端未认证 (16 bytes)
inline constexpr const char kOrderFreqLimit[] =
    "CTP:\xcf\xc2\xb5\xa5\xc6\xb5\xc2\xca\xcf\xde\xd6\xc6";  // CTP:下单频率限制 (16 bytes)
inline constexpr const char kNotTradingPeriod[] =
    "CTP:\xb7\xc7\xbd\xbb\xd2\xd7\xca\xb1\xb6\xce";  // CTP:非交易时段 (14 bytes)
inline constexpr const char kPriceOverLimit[] =
    "CTP:\xb1\xa8\xb5\xa5\xbc\xdb\xb8\xf1\xb3\xac\xb3\xf6\xd5\xc7\xb5\xf8\xcd\xa3\xb0\xe5";  // CTP:报单价格超出涨跌停板
                                                                                             // (24 bytes)
inline constexpr const char kVolumeNotValid[] =
    "CTP:\xb1\xa8\xb5\xa5\xca\xfd\xc1\xbf\xb2\xbb\xba\xcf\xb7\xa8";  // CTP:报单数量不合法 (18 bytes)
inline constexpr const char kPriceWrongTick[] =
    "CTP:"
    "\xb1\xa8\xb5\xa5\xbc\xdb\xb8\xf1\xb2\xbb\xca\xc7\xd7\xee\xd0\xa1\xb1\xe4\xb6\xaf\xbc\xdb\xce\xbb\xb5\xc4\xd5\xfb"
    "\xca\xfd\xb1\xb6";  // CTP:报单价格不是最小变动价位的整数倍 (36 bytes)
inline constexpr const char kReasonNotTrading[] = "\xb7\xc7\xbd\xbb\xd2\xd7\xca\xb1\xb6\xce";  // 非交易时段 (10 bytes)
inline constexpr const char kReasonPriceOverLimit[] =
    "\xbc\xdb\xb8\xf1\xb3\xac\xb3\xf6\xd5\xc7\xb5\xf8\xcd\xa3\xb0\xe5";  // 价格超出涨跌停板 (16 bytes)
inline constexpr const char kReasonVolume[] =
    "\xb1\xa8\xb5\xa5\xca\xfd\xc1\xbf\xb2\xbb\xba\xcf\xb7\xa8";  // 报单数量不合法 (14 bytes)
inline constexpr const char kReasonTick[] =
    "\xbc\xdb\xb8\xf1\xb2\xbb\xca\xc7\xd7\xee\xd0\xa1\xb1\xe4\xb6\xaf\xbc\xdb\xce\xbb\xb5\xc4\xd5\xfb\xca\xfd\xb1"
    "\xb6";  // 价格不是最小变动价位的整数倍 (28 bytes)
inline constexpr const char kNameSHFE[] =
    "\xc9\xcf\xba\xa3\xc6\xda\xbb\xf5\xbd\xbb\xd2\xd7\xcb\xf9";  // 上海期货交易所 (14 bytes)
inline constexpr const char kNameDCE[] =
    "\xb4\xf3\xc1\xac\xc9\xcc\xc6\xb7\xbd\xbb\xd2\xd7\xcb\xf9";  // 大连商品交易所 (14 bytes)
inline constexpr const char kNameCZCE[] =
    "\xd6\xa3\xd6\xdd\xc9\xcc\xc6\xb7\xbd\xbb\xd2\xd7\xcb\xf9";  // 郑州商品交易所 (14 bytes)
inline constexpr const char kNameCFFEX[] =
    "\xd6\xd0\xb9\xfa\xbd\xf0\xc8\xda\xc6\xda\xbb\xf5\xbd\xbb\xd2\xd7\xcb\xf9";  // 中国金融期货交易所 (18 bytes)
inline constexpr const char kNameINE[] =
    "\xc9\xcf\xba\xa3\xb9\xfa\xbc\xca\xc4\xdc\xd4\xb4\xbd\xbb\xd2\xd7\xd6\xd0\xd0\xc4";  // 上海国际能源交易中心 (20
                                                                                         // bytes)
inline constexpr const char kNameGFEX[] =
    "\xb9\xe3\xd6\xdd\xc6\xda\xbb\xf5\xbd\xbb\xd2\xd7\xcb\xf9";  // 广州期货交易所 (14 bytes)

}  // namespace shandian::sim::text

namespace shandian::sim {

// Error ids from the SFIT error.xml (ctp-semantics.md §4).
namespace err {
inline constexpr int kNone = 0;
inline constexpr int kBadLogin = 3;
inline constexpr int kDuplicateLogin = 5;
inline constexpr int kNotLoggedIn = 6;
inline constexpr int kBadField = 15;
inline constexpr int kInstrumentNotFound = 16;
inline constexpr int kDuplicateOrderRef = 22;
inline constexpr int kBadOrderActionField = 23;
inline constexpr int kDuplicateOrderAction = 24;
inline constexpr int kOrderNotFound = 25;
inline constexpr int kInsuitableOrderStatus = 26;
inline constexpr int kOverClosePosition = 30;
inline constexpr int kInsufficientMoney = 31;
inline constexpr int kSettlementNotConfirmed = 42;
inline constexpr int kSessionLimit = 60;
inline constexpr int kOverCloseTodayPosition = 50;
inline constexpr int kOverCloseYesterdayPosition = 51;
inline constexpr int kAuthFailed = 63;
inline constexpr int kNotAuthent = 64;
inline constexpr int kLoginForbidden = 75;
inline constexpr int kOrderFreqLimit = 116;
inline constexpr int kIpForbidden = 143;
inline constexpr int kCancelUnknownOrderUnsupported = 157;
inline constexpr int kNotTradingPeriod = 162;
inline constexpr int kPriceOverLimit = 163;
inline constexpr int kVolumeNotValid = 164;
inline constexpr int kPriceWrongTick = 165;
}  // namespace err

// The "CTP:..." prompt of an error id (GBK).
[[nodiscard]] inline const char* error_message(int id) noexcept {
  switch (id) {
    case err::kNone: return text::kCorrect;
    case err::kBadLogin: return text::kBadLogin;
    case err::kDuplicateLogin: return text::kDuplicateLogin;
    case err::kNotLoggedIn: return text::kNotLoggedIn;
    case err::kBadField: return text::kBadField;
    case err::kInstrumentNotFound: return text::kInstrumentNotFound;
    case err::kDuplicateOrderRef: return text::kDuplicateOrderRef;
    case err::kBadOrderActionField: return text::kBadActionField;
    case err::kDuplicateOrderAction: return text::kDuplicateAction;
    case err::kOrderNotFound: return text::kOrderNotFound;
    case err::kInsuitableOrderStatus: return text::kInsuitableStatus;
    case err::kOverClosePosition: return text::kOverClose;
    case err::kInsufficientMoney: return text::kInsufficientMoney;
    case err::kSettlementNotConfirmed: return text::kSettlementNotConfirmed;
    case err::kSessionLimit: return text::kSessionLimit;
    case err::kOverCloseTodayPosition: return text::kOverCloseToday;
    case err::kOverCloseYesterdayPosition: return text::kOverCloseYesterday;
    case err::kAuthFailed: return text::kAuthFailed;
    case err::kNotAuthent: return text::kNotAuthent;
    case err::kLoginForbidden: return text::kLoginForbidden;
    case err::kOrderFreqLimit: return text::kOrderFreqLimit;
    case err::kIpForbidden: return text::kIpForbidden;
    case err::kCancelUnknownOrderUnsupported: return text::kCancelUnknownUnsupported;
    case err::kNotTradingPeriod: return text::kNotTradingPeriod;
    case err::kPriceOverLimit: return text::kPriceOverLimit;
    case err::kVolumeNotValid: return text::kVolumeNotValid;
    case err::kPriceWrongTick: return text::kPriceWrongTick;
    default: return text::kBadField;
  }
}

// Bounded, always NUL-terminated copy into a CTP char array (truncates like the vendor does).
template <std::size_t N>
inline void set_str(char (&dst)[N], std::string_view src) noexcept {
  const std::size_t n = src.size() < N - 1 ? src.size() : N - 1;
  std::memcpy(dst, src.data(), n);
  std::memset(dst + n, 0, N - n);
}

// A CTP char array as a string_view (up to the first NUL, never past the array).
template <std::size_t N>
[[nodiscard]] inline std::string_view str_of(const char (&src)[N]) noexcept {
  return {src, ::strnlen(src, N)};
}

[[nodiscard]] inline std::string_view trim_spaces(std::string_view s) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Parses a numeric OrderRef (leading/trailing spaces allowed, as counters pad them). -1 when not numeric.
[[nodiscard]] inline std::int64_t parse_order_ref(std::string_view s) noexcept {
  s = trim_spaces(s);
  if (s.empty() || s.size() > 12) return -1;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Right-aligned, space-padded to `width` (exchanges pad OrderSysID/TradeID/OrderLocalID like this).
template <std::size_t N>
inline void set_padded(char (&dst)[N], std::int64_t value, int width) noexcept {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%*lld", width, static_cast<long long>(value));
  set_str(dst, buf);
}

template <std::size_t N>
inline void set_int(char (&dst)[N], std::int64_t value) noexcept {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  set_str(dst, buf);
}

}  // namespace shandian::sim
