#include "master_stream.hpp"

namespace crowdmesh::node {

void MasterStream::publish(const AudioBlock& block, const std::string& title) {
  const std::size_t n = static_cast<std::size_t>(block.frames) * static_cast<std::size_t>(block.channels);
  const bool same_format = pending_ && pending_block_.channels == block.channels &&
                           pending_block_.sample_rate_hz == block.sample_rate_hz &&
                           pending_block_.first_frame + pending_block_.frames == block.first_frame;
  if (pending_ && !same_format) {  // never mix formats or glue across a jump in one chunk
    pending_block_.samples = pending_;
    publisher_->publish(StreamChunk{stream_id_, published_sequence_++, pending_block_, title});
    pending_.reset();
  }
  if (!pending_) {
    pending_ = std::make_shared<std::vector<float>>();
    pending_->reserve(static_cast<std::size_t>(publish_frames_ + block.frames) *
                      static_cast<std::size_t>(block.channels));
    pending_block_ = block;
    pending_block_.frames = 0;
  }
  pending_->insert(pending_->end(), block.samples->begin(), block.samples->begin() + static_cast<std::ptrdiff_t>(n));
  pending_block_.frames += block.frames;
  pending_title_ = title;
  if (pending_block_.frames >= publish_frames_) {
    pending_block_.samples = pending_;
    publisher_->publish(StreamChunk{stream_id_, published_sequence_++, pending_block_, title});
    pending_.reset();
  }
}

void MasterStream::flush() {
  if (!publisher_ || !pending_ || pending_block_.frames == 0) return;
  pending_block_.samples = pending_;
  publisher_->publish(StreamChunk{stream_id_, published_sequence_++, pending_block_, pending_title_});
  pending_.reset();
}

void MasterStream::on_block(const AudioBlock& block, const std::string& title) {
  if (meter_) meter_->process(block);
  if (!block.samples || block.frames == 0) return;
  if (publisher_) {
    if (publisher_->has_subscribers()) {
      publish(block, title);
    } else if (pending_) {
      pending_.reset();  // nobody listens: gather nothing; the next listener starts on a fresh chunk
    }
  }
  if (inbox_) inbox_->offer(StreamChunk{stream_id_, local_sequence_++, block, title});
}

}  // namespace crowdmesh::node
