#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "caf/expected.hpp"
#include "control_node/request.hpp"

namespace crowdmesh::control {

/// Parses control_node's command line into a validated Request. Pure: no
/// sockets, no clock, no global state, so every command and every validation
/// error is testable.
///
/// Synopsis:
///   control_node [--connect tcp://HOST:7700] [--to NODE|'*'] [--json] [--timeout MS]
///                [--events tcp://HOST:PORT] COMMAND ...
///   nodes | status | load DECK FILE [--buffer ID] [--loop] [--bpm N] | cue DECK [SECONDS]
///   | play DECK | stop DECK | start DECK... [--at MESH_TIME_NS | --in SECONDS] [--timeout S]
///   | gain DECK DB [--ramp S] | master DB [--ramp S] | seek DECK SECONDS [--buffer ID]
///   | loop DECK on|off [--buffer ID] | eq DECK LOW MID HIGH | watch [--topic PREFIX] [--count N]
///   | cue-section DECK STRUCT.json N [--loop] [--buffer ID] | next-section DECK
class CommandLine {
 public:
  /// Highest accepted deck/master gain (dB); NaN and +inf are refused too.
  static constexpr double kMaxGainDb = 12.0;
  /// Gains at or below this are silence in the mixer; -inf on the command line is sent as this.
  static constexpr double kSilenceGainDb = -96.0;
  /// Highest accepted EQ band gain (dB).
  static constexpr double kMaxEqGainDb = 6.0;
  /// EQ gains at or below this kill the band; -inf on the command line is sent as this.
  static constexpr double kEqKillDb = -60.0;
  /// Default `start --timeout` (s): how long the mixer waits for decks still loading.
  static constexpr double kDefaultReadyTimeoutSeconds = 5.0;
  /// Default reply timeout for `load` (ms) when --timeout is not given: loading replies when ready.
  static constexpr std::int64_t kDefaultLoadTimeoutMs = 30000;

  /// `args` excludes the program name. `source` is this client's address
  /// ("<hostname>-ctl<pid>/cli"); `correlation_id` (nonzero) numbers the command.
  /// Errors (exit status kExitUsage): a sentence naming the argument and, for
  /// values, the allowed range, e.g. "unknown deck 'E' (allowed: A, B, C, D)".
  /// --help and --version give Kind::message.
  static caf::expected<Request> parse(const std::vector<std::string>& args, const std::string& source,
                                      std::uint64_t correlation_id);

  /// "tcp://HOST:PORT" → "tcp://HOST:PORT+1" (the events PUB next to a control ROUTER).
  /// Errors: value_out_of_range when the endpoint has no numeric TCP port.
  static caf::expected<std::string> events_endpoint_for(const std::string& control_endpoint);
};

}  // namespace crowdmesh::control
