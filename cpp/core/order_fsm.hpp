// The order state machine as an explicit table: every (state, event) pair names its outcome, so
// duplicate pushes, replays and the real-world races are decided in one place and can be read in review.
//
// States: the published OrderStatus plus CancelPending (a cancel is in flight; the order keeps its working
// status underneath, which is what agents still see). Events: what OnRtnOrder / OnRtnTrade / OnRsp* /
// OnErrRtn* and our own cancel requests tell us.
//
// Documented edges (the only ways a "later" state is left or a final state is touched):
//  * fill after a cancel request: CancelPending + PartFilled stays CancelPending (status underneath
//    becomes PartFilled); CancelPending + Filled ends Filled (the cancel lost the race);
//  * cancel refused: CancelPending + CancelRefused returns to the status underneath;
//  * late OnRtnOrder after its trade: a trade may move Accepted/Queued to PartFilled/Filled before the
//    report that announces it; the report then finds an equal or later state and is ignored;
//  * a trade for a Rejected order (the exchange traded it after all) turns it Cancelled (traded > 0, so
//    "rejected" would lie); Filled / Cancelled ignore every event (their trades only book volume).
// Everything else that would move backwards is Ignore (CTP re-pushes the previous status before each new
// one; query rows may be older than a push already applied): applying the same event twice changes nothing.
#pragma once

#include <array>
#include <cstdint>

#include "core/types.hpp"

namespace shandian::core::fsm {

enum class State : std::uint8_t {
  Submitting = 0,
  Accepted,
  Queued,
  PartFilled,
  CancelPending,
  Filled,
  Cancelled,
  Rejected,
  kCount
};
enum class Event : std::uint8_t {
  Accepted = 0,  // OnRtnOrder 'a' (CTP took it)
  Queued,        // OnRtnOrder '3'
  PartFilled,    // OnRtnOrder '1', or a trade leaving volume working
  Filled,        // OnRtnOrder '0', or a trade completing the volume
  Cancelled,     // OnRtnOrder '5' / '2' / '4' (possibly after partial fills)
  Rejected,      // OnRspOrderInsert / OnErrRtnOrderInsert / exchange InsertRejected / Req* failure
  CancelRequested,
  CancelRefused,  // OnRspOrderAction / OnErrRtnOrderAction
  kCount
};

enum class Outcome : std::uint8_t {
  Ignore,        // duplicate, stale or re-push: nothing changes
  Move,          // go to `next` (cancel_pending cleared)
  HoldCancel,    // stay CancelPending; the status underneath becomes `next`
  EnterCancel,   // CancelPending on top of the current status
  ResumeCancel,  // leave CancelPending: back to the status underneath
  Illegal,       // cannot happen in a correct flow (counted, nothing changes)
};

struct Transition {
  Outcome outcome;
  OrderStatus next;  // for Move / HoldCancel
};

inline constexpr std::size_t kStates = static_cast<std::size_t>(State::kCount);
inline constexpr std::size_t kEvents = static_cast<std::size_t>(Event::kCount);

namespace detail {
using O = Outcome;
using S = OrderStatus;
inline constexpr Transition I{O::Ignore, S::Submitting};
inline constexpr Transition X{O::Illegal, S::Submitting};
inline constexpr Transition E{O::EnterCancel, S::Submitting};
inline constexpr Transition R{O::ResumeCancel, S::Submitting};
constexpr Transition mv(S s) { return {O::Move, s}; }
constexpr Transition hold(S s) { return {O::HoldCancel, s}; }
}  // namespace detail

// Rows: states in State order. Columns: Accepted, Queued, PartFilled, Filled, Cancelled, Rejected,
// CancelRequested, CancelRefused.
inline constexpr std::array<std::array<Transition, kEvents>, kStates> kTable = [] {
  using namespace detail;
  using S = OrderStatus;
  return std::array<std::array<Transition, kEvents>, kStates>{{
      // Submitting
      {mv(S::Accepted), mv(S::Queued), mv(S::PartFilled), mv(S::Filled), mv(S::Cancelled), mv(S::Rejected), E, X},
      // Accepted
      {I, mv(S::Queued), mv(S::PartFilled), mv(S::Filled), mv(S::Cancelled), mv(S::Rejected), E, X},
      // Queued
      {I, I, mv(S::PartFilled), mv(S::Filled), mv(S::Cancelled), mv(S::Rejected), E, X},
      // PartFilled (a reject after a fill is reported as Cancelled by the caller)
      {I, I, I, mv(S::Filled), mv(S::Cancelled), mv(S::Cancelled), E, X},
      // CancelPending (status underneath kept in the order)
      {I, I, hold(S::PartFilled), mv(S::Filled), mv(S::Cancelled), mv(S::Rejected), I, R},
      // Filled
      {I, I, I, I, I, I, X, I},
      // Cancelled
      {I, I, I, I, I, I, X, I},
      // Rejected (a trade proves it traded: the only edge out of a final state)
      {I, I, mv(S::Cancelled), mv(S::Cancelled), I, I, X, I},
  }};
}();

[[nodiscard]] constexpr State state_of(OrderStatus status, bool cancel_pending) noexcept {
  if (cancel_pending && !is_final(status)) return State::CancelPending;
  return static_cast<State>(static_cast<std::uint8_t>(status) + (static_cast<std::uint8_t>(status) >= 4 ? 1 : 0));
}

[[nodiscard]] constexpr Transition lookup(OrderStatus status, bool cancel_pending, Event event) noexcept {
  return kTable[static_cast<std::size_t>(state_of(status, cancel_pending))][static_cast<std::size_t>(event)];
}

// Applies `event` to (status, cancel_pending). Returns the outcome; the pair is updated in place.
// Within CancelPending a PartFilled only ever moves the status underneath forward.
[[nodiscard]] constexpr Outcome step(OrderStatus& status, bool& cancel_pending, Event event) noexcept {
  const Transition t = lookup(status, cancel_pending, event);
  switch (t.outcome) {
    case Outcome::Move:
      status = t.next;
      cancel_pending = false;
      break;
    case Outcome::HoldCancel:
      if (status == t.next) return Outcome::Ignore;
      status = t.next;
      break;
    case Outcome::EnterCancel: cancel_pending = true; break;
    case Outcome::ResumeCancel: cancel_pending = false; break;
    case Outcome::Ignore:
    case Outcome::Illegal: break;
  }
  return t.outcome;
}

// The report event a CTP status carries.
[[nodiscard]] constexpr Event event_of(OrderStatus reported) noexcept {
  switch (reported) {
    case OrderStatus::Submitting:
    case OrderStatus::Accepted: return Event::Accepted;
    case OrderStatus::Queued: return Event::Queued;
    case OrderStatus::PartFilled: return Event::PartFilled;
    case OrderStatus::Filled: return Event::Filled;
    case OrderStatus::Cancelled: return Event::Cancelled;
    case OrderStatus::Rejected: return Event::Rejected;
  }
  return Event::Accepted;
}

static_assert(state_of(OrderStatus::Filled, false) == State::Filled);
static_assert(state_of(OrderStatus::Rejected, true) == State::Rejected);
static_assert(state_of(OrderStatus::Queued, true) == State::CancelPending);
static_assert(state_of(OrderStatus::PartFilled, false) == State::PartFilled);

}  // namespace shandian::core::fsm
