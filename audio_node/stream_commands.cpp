// Handlers of the remote-playout commands: every one goes to the node's
// StreamRole (RouterConfig::streams), which answers exactly once.
#include "command_handlers.hpp"

namespace crowdmesh::node {

namespace {

namespace v1 = crowdmesh::v1;

void to_stream_role(RouterSelf self, const v1::Envelope& env, const ReplyFn& reply) {
  const auto& streams = self->state.cfg.streams;
  if (!streams)
    return reply(not_ready("node " + self->state.cfg.node +
                           " has no audio device here, so it neither sends nor plays streams"));
  streams(env.command(), reply);
}

}  // namespace

std::vector<CommandRoute> stream_commands() {
  return {
      {v1::Command::kSubscribeStream, to_stream_role, false}, {v1::Command::kUnsubscribeStream, to_stream_role, false},
      {v1::Command::kPlayStream, to_stream_role, false},      {v1::Command::kStopStream, to_stream_role, false},
      {v1::Command::kGetStreamSdp, to_stream_role, false},
  };
}

}  // namespace crowdmesh::node
