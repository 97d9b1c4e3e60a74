// GBK -> UTF-8 through iconv (never a locale) and the Spi's field conversions; also the Spi copying a
// CTP struct into a ring slot and the trader ring's overflow accounting.
#include <cfloat>
#include <cstring>

#include "ctp/gbk.hpp"
#include "ctp/spi.hpp"
#include "support/check.hpp"

using namespace shandian;
using namespace shandian::ctp;

namespace {

void gbk_converts_to_utf8() {
  GbkToUtf8 gbk;
  char out[128];
  const char gbk_text[] = "\x43\x54\x50\x3a\xba\xcf\xd4\xbc\xb2\xbb\xb4\xe6\xd4\xda";  // CTP:合约不存在
  CHECK_EQ(gbk.convert(gbk_text, sizeof gbk_text, out, sizeof out), 19u);
  CHECK(std::string_view(out) == "CTP:合约不存在");
  const char filled[] = "\xc8\xab\xb2\xbf\xb3\xc9\xbd\xbb\xb1\xa8\xb5\xa5\xd2\xd1\xcc\xe1\xbd\xbb";
  gbk.convert(filled, sizeof filled, out, sizeof out);
  CHECK(std::string_view(out) == "全部成交报单已提交");
  // ASCII fast path, and a bounded source without a terminator.
  const char ascii[4] = {'a', 'b', 'c', 'd'};
  CHECK_EQ(gbk.convert(ascii, 3, out, sizeof out), 3u);
  CHECK(std::string_view(out) == "abc");
  // Output truncated at a character boundary: "已撤单" is 9 bytes of UTF-8; room for 7 keeps 2 chars.
  const char cancelled[] = "\xd2\xd1\xb3\xb7\xb5\xa5";
  char small[8];
  CHECK_EQ(gbk.convert(cancelled, sizeof cancelled, small, sizeof small), 6u);
  CHECK(std::string_view(small) == "已撤");
  // An invalid byte becomes '?', the rest still converts.
  const char bad[] = "\xff\xd2\xd1";
  gbk.convert(bad, sizeof bad, out, sizeof out);
  CHECK(std::string_view(out) == "?已");
  CHECK_EQ(gbk.convert(nullptr, 0, out, sizeof out), 0u);
  CHECK(out[0] == '\0');
}

void field_conversions() {
  CHECK_EQ(parse_yyyymmdd("20250417"), 20250417u);
  CHECK_EQ(parse_yyyymmdd("2025041"), 0u);
  CHECK_EQ(parse_hhmmss_ms("21:00:01", 500), ((21 * 60) * 60 + 1) * 1000 + 500);
  CHECK_EQ(parse_hhmmss_ms("bad", 0), -1);
  CHECK_EQ(parse_ref("         131", 13), 131);  // right-aligned, space padded (CHM examples)
  CHECK_EQ(parse_ref("42", 13), 42);
  CHECK_EQ(parse_ref("", 13), -1);
  CHECK_EQ(parse_ref("x1", 13), -1);
  CHECK_EQ(sanitize_price(DBL_MAX), 0.0);
  CHECK_EQ(sanitize_price(3500.0), 3500.0);
  CHECK(map_order_status('0') == core::OrderStatus::Filled);
  CHECK(map_order_status('1') == core::OrderStatus::PartFilled);
  CHECK(map_order_status('3') == core::OrderStatus::Queued);
  CHECK(map_order_status('5') == core::OrderStatus::Cancelled);
  CHECK(map_order_status('2') == core::OrderStatus::Cancelled);
  CHECK(map_order_status('a') == core::OrderStatus::Accepted);
  CHECK(map_offset('3') == core::Offset::CloseToday);
  CHECK(map_offset('6') == core::Offset::Close);
  CHECK(map_direction('1') == core::Direction::Sell);
  CHECK(map_order_kind(THOST_FTDC_OPT_LimitPrice, THOST_FTDC_TC_GFD, THOST_FTDC_VC_AV) == core::OrderKind::Limit);
  CHECK(map_order_kind(THOST_FTDC_OPT_LimitPrice, THOST_FTDC_TC_IOC, THOST_FTDC_VC_AV) == core::OrderKind::Fak);
  CHECK(map_order_kind(THOST_FTDC_OPT_LimitPrice, THOST_FTDC_TC_IOC, THOST_FTDC_VC_CV) == core::OrderKind::Fok);
  CHECK(map_order_kind(THOST_FTDC_OPT_AnyPrice, THOST_FTDC_TC_IOC, THOST_FTDC_VC_AV) == core::OrderKind::Market);
}

void spi_copies_into_the_ring_and_counts_overflow() {
  core::EventRing td_ring(2);
  core::EventRing md_ring(2);
  queue::Waiter waiter(queue::WaitStrategy::Block);
  TraderSpi td(td_ring, waiter, /*full_wait_ns=*/1'000'000, /*lossy=*/false);
  MdSpi md(md_ring, waiter, 0, /*lossy=*/true);

  CThostFtdcOrderField order{};
  std::strcpy(order.InstrumentID, "rb2505");
  std::strcpy(order.ExchangeID, "SHFE");
  std::strcpy(order.OrderRef, "        17");
  std::strcpy(order.OrderSysID, "      9001");
  order.FrontID = 1;
  order.SessionID = -788541;
  order.Direction = THOST_FTDC_D_Sell;
  order.CombOffsetFlag[0] = THOST_FTDC_OF_CloseToday;
  order.OrderStatus = THOST_FTDC_OST_Canceled;
  order.OrderSubmitStatus = THOST_FTDC_OSS_InsertRejected;
  order.VolumeTotalOriginal = 3;
  std::memcpy(order.StatusMsg, "\xd2\xd1\xb3\xb7\xb5\xa5", 7);
  td.OnRtnOrder(&order);
  const core::Event* e = td_ring.front();
  REQUIRE(e != nullptr);
  CHECK(e->kind == core::EventKind::OrderReport);
  CHECK(e->recv_ns > 0);
  CHECK(!e->from_query);
  CHECK_EQ(e->payload.order.order_ref, 17);
  CHECK_EQ(e->payload.order.session_id, -788541);
  CHECK(e->payload.order.order_sys_id.view() == "      9001");  // compared exactly as received
  CHECK(e->payload.order.status == core::OrderStatus::Rejected);
  CHECK(e->payload.order.exchange_rejected);
  CHECK(e->payload.order.offset == core::Offset::CloseToday);
  CHECK(e->payload.order.status_msg.view() == "已撤单");

  // Trader ring full: the callback waits (bounded), then counts the loss; nothing is overwritten.
  td.OnFrontConnected();
  td.OnFrontConnected();
  CHECK_EQ(td.counters().full_stalls.load(), 1u);
  CHECK_EQ(td.counters().lost.load(), 1u);
  CHECK_EQ(td.counters().pushed.load(), 2u);

  CThostFtdcDepthMarketDataField tick{};
  std::strcpy(tick.InstrumentID, "rb2505");
  std::strcpy(tick.UpdateTime, "09:30:00");
  tick.UpdateMillisec = 500;
  tick.LastPrice = 3500;
  tick.AskPrice1 = DBL_MAX;  // limit-up: no ask
  tick.Volume = 12;
  for (int i = 0; i < 3; ++i) md.OnRtnDepthMarketData(&tick);
  CHECK_EQ(md.counters().lost.load(), 1u);  // md drops (counted), never waits
  const core::Event* t = md_ring.front();
  REQUIRE(t != nullptr);
  CHECK(t->payload.tick.symbol.view() == "rb2505");
  CHECK_EQ(t->payload.tick.ask_price[0], 0.0);
  CHECK_EQ(t->payload.tick.update_ms, (9 * 3600 + 30 * 60) * 1000 + 500);
  CHECK_EQ(t->payload.tick.volume, 12);
}

}  // namespace

int main() {
  gbk_converts_to_utf8();
  field_conversions();
  spi_copies_into_the_ring_and_counts_overflow();
  return shandian::testing::finish("test_ctp_conversions");
}
