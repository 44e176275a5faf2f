#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace crowdmesh::mesh {

/// The topics subscribed on an XPUB socket, as its (un)subscription messages
/// report them: a message is one byte, 1 = subscribe or 0 = unsubscribe,
/// followed by the topic prefix (ZeroMQ RFC 29, ZMTP/3.0 SUBSCRIBE and
/// CANCEL). Without ZMQ_XPUB_VERBOSE the socket passes only the first
/// subscription to a topic and the last unsubscription (a subscriber that
/// disconnects unsubscribes from all of its topics), so the set holds what at
/// least one subscriber asks for now; a count per topic keeps it right should
/// a duplicate come through anyway.
///
/// Pure; not thread-safe (the socket's thread owns it).
class SubscriptionSet {
 public:
  /// Applies one message read from the XPUB socket. Returns false (and
  /// changes nothing) for anything that is not an (un)subscription: empty,
  /// a first byte other than 0 or 1, or an unsubscription from a topic not
  /// held.
  bool apply(const void* data, std::size_t size);

  /// True when some subscription would receive `topic` (it is a prefix of it).
  bool covers(std::string_view topic) const;
  /// True when `prefix` itself is subscribed.
  bool holds(std::string_view prefix) const;
  /// Distinct topics subscribed now.
  std::size_t size() const { return topics_.size(); }
  /// Every subscribed prefix and how many subscriptions hold it, sorted.
  const std::map<std::string, int, std::less<>>& topics() const { return topics_; }

 private:
  std::map<std::string, int, std::less<>> topics_;
};

}  // namespace crowdmesh::mesh
