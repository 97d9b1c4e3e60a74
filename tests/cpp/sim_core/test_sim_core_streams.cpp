// Private/public streams: 1-based sequence numbers per trading day, Restart/Resume/Quick replay on login
// (byte-identical history with the original FrontID/SessionID), duplicate_replay fault injection, live
// fan-out to every session of the investor, public stream to everyone.
#include "core_harness.hpp"

using namespace shandian::sim;
using namespace shandian::sim::test;

namespace {

std::vector<TraderMessage> stream_messages(const std::vector<TraderMessage>& ms) {
  std::vector<TraderMessage> out;
  for (const TraderMessage& m : ms) {
    if (m.stream_seq > 0) out.push_back(m);
  }
  return out;
}

void replay_modes(bool duplicate) {
  FrontConfig cfg;
  cfg.duplicate_replay = duplicate;
  Harness h(cfg);
  h.open_default();
  h.status("rb", "SHFE", THOST_FTDC_IS_Continous);  // public seq 1
  h.tick("rb2505", Book{2999, 3001, 10, 10, 3000, 100});
  h.buy("rb2505", 2990, 1);  // private 1, 2
  h.buy("rb2505", 3001, 1);  // private 3..6 (a, a, 0, T)
  h.buy("xx", 1, 1);         // private 7 (ErrRtnOrderInsert)
  const auto live = stream_messages(h.sink.messages);
  REQUIRE(live.size() == 8);
  CHECK(live[0].kind == TraderCallback::RtnInstrumentStatus);
  CHECK_EQ(live[0].stream_seq, 1);
  for (int i = 1; i < 8; ++i) CHECK_EQ(live[static_cast<std::size_t>(i)].stream_seq, i);
  const int old_session = h.session_id;

  // Restart: everything, byte-identical, then the public stream.
  RecordingSink restart;
  h.open(restart, "u1", {ResumeType::Restart, 0}, {ResumeType::Restart, 0}, false);
  auto got = stream_messages(restart.messages);
  const std::size_t copies = duplicate ? 2 : 1;
  REQUIRE(got.size() == 7 * copies + 1);
  for (std::size_t i = 0; i < 7 * copies; ++i) {
    const TraderMessage& want = live[1 + i / copies];
    CHECK_EQ(got[i].stream_seq, want.stream_seq);
    CHECK(got[i].kind == want.kind);
    CHECK(std::memcmp(&got[i].body, &want.body, sizeof want.body) == 0);
  }
  CHECK_EQ(got[0].body.order.SessionID, old_session);
  CHECK(got.back().kind == TraderCallback::RtnInstrumentStatus);
  // The login answer comes before the replay.
  CHECK(restart.messages[2].kind == TraderCallback::RspUserLogin ||
        restart.messages[1].kind == TraderCallback::RspUserLogin);

  // Resume after 4 private / 1 public: private 5..7, no public.
  RecordingSink resume;
  h.open(resume, "u1", {ResumeType::Resume, 4}, {ResumeType::Resume, 1}, false);
  got = stream_messages(resume.messages);
  REQUIRE(got.size() == 3);
  CHECK_EQ(got[0].stream_seq, 5);
  CHECK_EQ(got[2].stream_seq, 7);
  CHECK(got[2].kind == TraderCallback::ErrRtnOrderInsert);

  // Quick: nothing old, but live pushes from now on — including another session's orders.
  RecordingSink quick;
  h.open(quick, "u1", {ResumeType::Quick, 0}, {ResumeType::Quick, 0}, false);
  CHECK(stream_messages(quick.messages).empty());
  quick.messages.clear();
  restart.messages.clear();
  h.buy("rb2505", 2980, 1);
  CHECK_EQ(render(quick.messages), s("O:a O:3"));
  CHECK_EQ(render(restart.messages), s("O:a O:3"));
  CHECK_EQ(quick.messages[0].stream_seq, 8);

  // Another investor sees none of u1's private messages; public None sees no status.
  RecordingSink u2;
  h.open(u2, "u2", {ResumeType::Restart, 0}, {ResumeType::None, 0}, false);
  CHECK(stream_messages(u2.messages).empty());
  u2.messages.clear();
  quick.messages.clear();
  h.buy("rb2505", 2980, 1);
  h.status("rb", "SHFE", THOST_FTDC_IS_Continous);
  CHECK(u2.messages.empty());
  CHECK_EQ(render(quick.messages), s("O:a O:3 S"));
  CHECK_EQ(quick.messages.back().stream_seq, 2);  // public seq
}

}  // namespace

int main() {
  replay_modes(false);
  replay_modes(true);
  return shandian::testing::finish("test_sim_core_streams");
}
