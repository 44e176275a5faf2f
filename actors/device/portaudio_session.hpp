#pragma once
#include <memory>

#include "caf/expected.hpp"

namespace crowdmesh::device {

/// RAII hold on the PortAudio library: the first live session calls
/// Pa_Initialize(), the last one to go calls Pa_Terminate(). Reference
/// counted and thread-safe (a process-wide mutex); never real-time.
///
/// ALSA's probe messages on stderr are silenced unless the environment sets
/// CROWDMESH_PORTAUDIO_VERBOSE=1.
class PortAudioSession {
 public:
  /// Acquires a session. Errors: errc::device_error with Pa_GetErrorText()
  /// when Pa_Initialize() fails.
  static caf::expected<std::unique_ptr<PortAudioSession>> open();

  ~PortAudioSession();
  PortAudioSession(const PortAudioSession&) = delete;
  PortAudioSession& operator=(const PortAudioSession&) = delete;

 private:
  PortAudioSession() = default;
};

}  // namespace crowdmesh::device
