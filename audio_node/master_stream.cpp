#include "master_stream.hpp"

namespace crowdmesh::node {

void MasterStream::on_block(const AudioBlock& block, const std::string& title) {
  if (meter_) meter_->process(block);
  if (!publisher_ && !inbox_) return;
  StreamChunk c;
  c.stream_id = stream_id_;
  c.sequence = sequence_++;
  c.block = block;
  c.title = title;
  if (publisher_ && inbox_) {
    publisher_->publish(c);
    inbox_->offer(std::move(c));
  } else if (publisher_) {
    publisher_->publish(std::move(c));
  } else if (inbox_) {
    inbox_->offer(std::move(c));
  }
}

}  // namespace crowdmesh::node
