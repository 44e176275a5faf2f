#pragma once
// The command router's table: one handler per command of crowdmesh.v1.Command,
// grouped by family in deck_commands.cpp, node_commands.cpp,
// tempo_commands.cpp and stream_commands.cpp. Private to audio_node.
#include <vector>

#include "command_replies.hpp"

namespace crowdmesh::node {

/// Answers one command: calls `reply` exactly once, at once or when the actor
/// it asked answers. Runs in the router actor; `env` holds the command (its
/// oneof case is the one the handler is registered for).
using CommandHandler = void (*)(RouterSelf self, const crowdmesh::v1::Envelope& env, const ReplyFn& reply);

/// One entry of the table.
struct CommandRoute {
  crowdmesh::v1::Command::CommandCase command = crowdmesh::v1::Command::COMMAND_NOT_SET;
  CommandHandler handler = nullptr;
  /// Refused with NOT_READY on a node without the mixer role (encoder-only).
  bool needs_mixer = true;
};

/// Buffers, decks, gains, EQ, stretch method, start together.
std::vector<CommandRoute> deck_commands();
/// Status, devices, telemetry, doctor, stall, test tone.
std::vector<CommandRoute> node_commands();
/// GetTempo, SetTempo, ReportMovement (answered where the tempo actor runs).
std::vector<CommandRoute> tempo_commands();
/// CueSection, NextSection (song sections on a deck).
std::vector<CommandRoute> section_commands();
/// SubscribeStream, UnsubscribeStream, PlayStream, StopStream, GetStreamSdp (the StreamRole).
std::vector<CommandRoute> stream_commands();

/// The route of a command case; null when no handler answers it (the router
/// then replies UNKNOWN_PAYLOAD). Thread-safe (the table is built once).
const CommandRoute* find_command_route(crowdmesh::v1::Command::CommandCase command);

}  // namespace crowdmesh::node
