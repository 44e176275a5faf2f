#include "jack_server.hpp"

#include "child_process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

namespace crowdmesh::test {

using namespace std::chrono_literals;

std::string find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

bool JackServer::installed() { return !find_program("jackd").empty(); }

bool JackServer::realtime_allowed() {
  bool allowed = false;
  std::thread probe([&allowed] {
    sched_param p{};
    p.sched_priority = 10;
    allowed = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p) == 0;
  });
  probe.join();
  return allowed;
}

JackServer::~JackServer() { stop(); }

std::string JackServer::start(int sample_rate_hz, int period_frames, bool realtime) {
  const std::string jackd = find_program("jackd");
  if (jackd.empty()) return "jackd is not installed (Debian package jackd2)";
  static int counter = 0;
  name_ = "crowdmesh_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  setenv("JACK_DEFAULT_SERVER", name_.c_str(), 1);
  setenv("JACK_NO_START_SERVER", "1", 1);
  setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
  pid_ = spawn_process({jackd, realtime ? "-R" : "--no-realtime", "-n", name_, "-d", "dummy", "-r",
                        std::to_string(sample_rate_hz), "-p", std::to_string(period_frames)});
  if (pid_ <= 0) return "cannot start " + jackd;
  const std::string jack_lsp = find_program("jack_lsp");
  if (jack_lsp.empty()) return "jack_lsp is not installed (Debian package jackd2)";
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != 0) {
      pid_ = -1;
      return "jackd exited early (status " + std::to_string(status) + ")";
    }
    if (run_quiet({jack_lsp, "-s", name_}) == 0) return {};
    std::this_thread::sleep_for(100ms);
  }
  return "jackd server '" + name_ + "' did not come up within 15 s";
}

void JackServer::stop() {
  if (pid_ <= 0) return;
  terminate_process(pid_);
  pid_ = -1;
}

}  // namespace crowdmesh::test
