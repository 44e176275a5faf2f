#include "command_router.hpp"

#include <chrono>
#include <unordered_map>

#include "caf/all.hpp"
#include "command_handlers.hpp"
#include "common/local_clock.hpp"
#include "common/schedule_range.hpp"

namespace crowdmesh::node {

namespace v1 = crowdmesh::v1;

const CommandRoute* find_command_route(v1::Command::CommandCase command) {
  static const auto table = [] {
    std::unordered_map<int, CommandRoute> t;
    for (const auto& family : {deck_commands(), section_commands(), node_commands(), tempo_commands(), stream_commands()})
      for (const auto& route : family) t.emplace(route.command, route);
    return t;
  }();
  const auto it = table.find(command);
  return it == table.end() ? nullptr : &it->second;
}

namespace {

/// Longest wait of a command held for its execute_at_ns.
constexpr std::int64_t kMaxHoldNs = schedule::kMaxAheadNs;

void execute(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& c = env.command();
  const auto* route = find_command_route(c.command_case());
  if (!route)
    return reply(mixer::error_reply(v1::ERROR_CODE_UNKNOWN_PAYLOAD,
                                    "unknown or empty command (field " + std::to_string(c.command_case()) + ")"));
  if (route->needs_mixer && !self->state.cfg.mixer)
    return reply(not_ready("node " + self->state.cfg.node +
                           " has no mixer (an encoder-only node): send deck, gain and status commands to a node "
                           "with the mixer role"));
  route->handler(self, env, reply);
}

caf::behavior command_router(RouterSelf self, RouterConfig cfg) {
  if (!cfg.mesh_time_ns) cfg.mesh_time_ns = local_now_ns;
  self->state.cfg = std::move(cfg);
  return {
      [=](const NodeRequest& req) {
        if (!req.envelope || req.envelope->payload_case() != v1::Envelope::kCommand) {
          req.reply(mixer::error_reply(v1::ERROR_CODE_UNKNOWN_PAYLOAD, "expected a command"));
          return;
        }
        // StartTogether and CueSection take execute_at_ns themselves (a start,
        // sample-accurate in the mixer; CueSection loads first); any other
        // command is held until that mesh time (timer resolution).
        const auto kind = req.envelope->command().command_case();
        if (req.envelope->has_execute_at_ns() && kind != v1::Command::kStartTogether &&
            kind != v1::Command::kCueSection) {
          // In 128 bits: any int64 execute_at_ns, however far from now, subtracts exactly.
          const __int128 wait_ns =
              static_cast<__int128>(req.envelope->execute_at_ns()) - self->state.cfg.mesh_time_ns();
          if (wait_ns > kMaxHoldNs) {
            req.reply(out_of_range("execute_at_ns is more than one hour ahead of mesh time"));
            return;
          }
          if (wait_ns > 0) {
            auto& st = self->state;
            if (st.held >= kMaxHeldCommands) {
              if (st.cfg.held_refused) st.cfg.held_refused->fetch_add(1, std::memory_order_relaxed);
              req.reply(not_ready("node " + st.cfg.node + " already holds " + std::to_string(st.held) +
                                  " commands for a later execute_at_ns, the most it holds: retry when some are due"));
              return;
            }
            ++st.held;
            self->delayed_send(self, std::chrono::nanoseconds(static_cast<std::int64_t>(wait_ns)),
                               NodeRequest{req.envelope, req.reply}, caf::atom("due"));
            return;
          }
        }
        execute(self, *req.envelope, req.reply);
      },
      [=](const NodeRequest& req, caf::atom_value) {
        if (self->state.held > 0) --self->state.held;
        execute(self, *req.envelope, req.reply);
      },
  };
}

}  // namespace

caf::actor spawn_command_router(caf::actor_system& sys, RouterConfig cfg) {
  return sys.spawn(command_router, std::move(cfg));
}

}  // namespace crowdmesh::node
