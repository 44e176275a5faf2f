#pragma once
#include <optional>
#include <string>

#include "caf/error.hpp"
#include "common/deck.hpp"
#include "crowdmesh/v1/replies.pb.h"
#include "mixer/mixer_messages.hpp"

namespace crowdmesh::mixer {

/// Wire deck (DECK_A..DECK_D) → DeckId; nullopt for DECK_UNSPECIFIED or
/// unknown values (the edge answers unknown_deck naming the number).
std::optional<DeckId> deck_from_wire(int wire_deck);
/// "A".."D" → wire deck; DECK_UNSPECIFIED for anything else.
crowdmesh::v1::Deck wire_deck(DeckId deck);

/// Mixer snapshots → their wire form (replies.proto).
void to_proto(const BufferStatus& in, crowdmesh::v1::BufferStatus& out);
void to_proto(const DeckStatus& in, crowdmesh::v1::DeckState& out);
void to_proto(const MixerStatus& in, crowdmesh::v1::NodeStatus& out);
void to_proto(const StartReport& in, crowdmesh::v1::StartTogetherResult& out);

/// An error reply with the project code (same numbers on the wire) and the
/// error's sentence.
crowdmesh::v1::Reply error_reply(const caf::error& err);
/// An error reply with a wire code and a sentence.
crowdmesh::v1::Reply error_reply(crowdmesh::v1::ErrorCode code, const std::string& sentence);

}  // namespace crowdmesh::mixer
