#include "command_replies.hpp"

namespace crowdmesh::node {

namespace v1 = crowdmesh::v1;

v1::Reply ok_message(const std::string& text) {
  v1::Reply r;
  r.mutable_ok()->set_message(text);
  return r;
}

v1::Reply ok_deck(const mixer::DeckStatus& d) {
  v1::Reply r;
  mixer::to_proto(d, *r.mutable_ok()->mutable_deck());
  return r;
}

v1::Reply unknown_deck(int wire_deck) {
  return mixer::error_reply(v1::ERROR_CODE_UNKNOWN_DECK,
                            "deck " + std::to_string(wire_deck) + " is missing or unknown (allowed: A, B, C, D)");
}

v1::Reply out_of_range(const std::string& sentence) {
  return mixer::error_reply(v1::ERROR_CODE_VALUE_OUT_OF_RANGE, sentence);
}

v1::Reply not_ready(const std::string& sentence) { return mixer::error_reply(v1::ERROR_CODE_NOT_READY, sentence); }

}  // namespace crowdmesh::node
