#include "device/device_stats_view.hpp"

#include <utility>

namespace crowdmesh::device {

DeviceStats device_stats(const DeviceCallback& cb, const PlayoutThread* playout) {
  auto s = cb.stats();
  if (playout) {
    const auto p = playout->stats();
    s.playout = true;
    s.sync_error_us = p.stage.filtered_error_ns / 1e3;
    s.rate_correction_ppm = p.stage.correction_ppm;
    s.sync_locked = p.stage.locked;
    s.realigns = p.stage.realigns;
    s.initial_alignments = p.stage.initial_alignments;
  }
  return s;
}

void DeviceStatsView::attach(std::shared_ptr<const DeviceCallback> cb, std::shared_ptr<const PlayoutThread> playout) {
  std::lock_guard<std::mutex> lk(m_);
  playout_.reset();
  cb_ = std::move(cb);
  playout_ = std::move(playout);
}

DeviceStats DeviceStatsView::stats() const {
  std::shared_ptr<const DeviceCallback> cb;
  std::shared_ptr<const PlayoutThread> playout;
  {
    std::lock_guard<std::mutex> lk(m_);
    cb = cb_;
    playout = playout_;
  }
  return cb ? device_stats(*cb, playout.get()) : DeviceStats{};
}

}  // namespace crowdmesh::device
