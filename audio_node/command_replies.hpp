#pragma once
// What the command router's handlers share: the router actor's state, the
// replies they build and the way they ask the mixer. Private to audio_node.
#include <chrono>
#include <string>
#include <utility>

#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "command_router.hpp"
#include "cued_section.hpp"
#include "crowdmesh/v1/envelope.pb.h"
#include "mixer/mixer_proto.hpp"

namespace crowdmesh::node {

/// How long the router waits for one of this node's actors before it answers
/// TIMEOUT. Commands that wait longer on purpose (StartTogether's ready
/// timeout, Stall) add their own wait to it.
inline constexpr std::chrono::seconds kActorTimeout{30};

/// The command router actor's state: the actors it talks to.
struct RouterState {
  RouterConfig cfg;
  /// Commands held for their execute_at_ns now (at most kMaxHeldCommands).
  std::size_t held = 0;
  /// The section each deck plays since CueSection.
  CuedSections sections;
};

/// Most commands a node holds for a later execute_at_ns at once: each holds
/// its whole envelope, and a client must not make a node hold them without end.
inline constexpr std::size_t kMaxHeldCommands = 256;

/// The command router actor; handlers run in it (one command at a time) and
/// may send requests from it.
using RouterSelf = caf::stateful_actor<RouterState>*;

/// Ok with a human-readable message.
crowdmesh::v1::Reply ok_message(const std::string& text);

/// Ok with a deck's state.
crowdmesh::v1::Reply ok_deck(const mixer::DeckStatus& d);

/// UNKNOWN_DECK naming the wire value and the allowed decks.
crowdmesh::v1::Reply unknown_deck(int wire_deck);

/// VALUE_OUT_OF_RANGE with the sentence (which names the value and its range).
crowdmesh::v1::Reply out_of_range(const std::string& sentence);

/// NOT_READY with the sentence.
crowdmesh::v1::Reply not_ready(const std::string& sentence);

/// The error continuation of every request: answers with the actor's error.
inline auto reply_error(const ReplyFn& reply) {
  return [reply](caf::error& e) { reply(mixer::error_reply(e)); };
}

/// Sends `args` to the mixer and answers with the DeckStatus it returns (or
/// its error).
template <class... Ts>
void deck_request(RouterSelf self, const ReplyFn& reply, Ts&&... args) {
  self->request(self->state.cfg.mixer, kActorTimeout, std::forward<Ts>(args)...)
      .then([reply](mixer::DeckStatus& d) { reply(ok_deck(d)); }, reply_error(reply));
}

}  // namespace crowdmesh::node
