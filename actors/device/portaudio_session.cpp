#include "device/portaudio_session.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>

#include <portaudio.h>

#include "common/error.hpp"

#ifdef CROWDMESH_HAVE_ALSA
#include <alsa/asoundlib.h>
#endif

namespace crowdmesh::device {

namespace {
std::mutex g_mutex;
int g_count = 0;

#ifdef CROWDMESH_HAVE_ALSA
void silent_alsa_handler(const char*, int, const char*, int, const char*, ...) {}
#endif

void quiet_alsa() {
#ifdef CROWDMESH_HAVE_ALSA
  const char* verbose = std::getenv("CROWDMESH_PORTAUDIO_VERBOSE");
  if (verbose == nullptr || std::strcmp(verbose, "1") != 0) snd_lib_error_set_handler(&silent_alsa_handler);
#endif
}
}  // namespace

caf::expected<std::unique_ptr<PortAudioSession>> PortAudioSession::open() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_count == 0) {
    quiet_alsa();
    const PaError err = Pa_Initialize();
    if (err != paNoError)
      return make_error(errc::device_error, std::string("PortAudio failed to initialise: ") + Pa_GetErrorText(err));
  }
  ++g_count;
  return std::unique_ptr<PortAudioSession>(new PortAudioSession());
}

PortAudioSession::~PortAudioSession() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (--g_count == 0) Pa_Terminate();
}

}  // namespace crowdmesh::device
