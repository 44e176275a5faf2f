#pragma once
#include <chrono>
#include <thread>

namespace crowdmesh::netaudio::test {

/// Polls `done()` every millisecond until it holds or `limit` passes; returns
/// its last value. Tests wait for conditions this way, never for durations.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace crowdmesh::netaudio::test
