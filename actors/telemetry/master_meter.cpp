#include "telemetry/master_meter.hpp"

namespace crowdmesh::telemetry {

void MasterMeter::process(const AudioBlock& block) {
  if (!block.samples || block.frames == 0) return;
  std::lock_guard<std::mutex> lock(m_);
  if (!analyzer_ || rate_ != block.sample_rate_hz || channels_ != block.channels) {
    auto a = LevelAnalyzer::create(static_cast<std::uint32_t>(block.sample_rate_hz),
                                   static_cast<std::uint32_t>(block.channels));
    if (!a) return;
    analyzer_.emplace(std::move(*a));
    rate_ = block.sample_rate_hz;
    channels_ = block.channels;
  }
  analyzer_->process(block.samples->data(), block.frames);
}

std::optional<LevelReport> MasterMeter::take() {
  std::lock_guard<std::mutex> lock(m_);
  if (!analyzer_) return std::nullopt;
  return analyzer_->take();
}

}  // namespace crowdmesh::telemetry
