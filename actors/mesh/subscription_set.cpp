#include "mesh/subscription_set.hpp"

namespace crowdmesh::mesh {

bool SubscriptionSet::apply(const void* data, std::size_t size) {
  if (data == nullptr || size == 0) return false;
  const auto* bytes = static_cast<const char*>(data);
  const auto kind = static_cast<unsigned char>(bytes[0]);
  std::string topic(bytes + 1, size - 1);
  if (kind == 1) {
    ++topics_[std::move(topic)];
    return true;
  }
  if (kind != 0) return false;
  auto it = topics_.find(topic);
  if (it == topics_.end()) return false;
  if (--it->second <= 0) topics_.erase(it);
  return true;
}

bool SubscriptionSet::covers(std::string_view topic) const {
  for (const auto& [prefix, count] : topics_)
    if (topic.substr(0, prefix.size()) == prefix) return true;
  return false;
}

bool SubscriptionSet::holds(std::string_view prefix) const { return topics_.find(prefix) != topics_.end(); }

}  // namespace crowdmesh::mesh
