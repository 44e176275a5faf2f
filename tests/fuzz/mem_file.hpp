#pragma once
// The fuzz input as a file the decoder can open by path, without touching the
// disk: a memfd reached through /proc/self/fd/N (a regular file, so the
// decoder's regular-file check passes as it would for a track).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace crowdmesh::fuzz {

/// Owns a memfd holding `size` bytes of `data`; `path` opens it. Aborts (a
/// harness failure, not a finding) when the kernel refuses the memfd.
struct MemFile {
  int fd = -1;
  std::string path;
  MemFile(const char* name, const std::uint8_t* data, std::size_t size) {
    fd = ::memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) abort_with(name, "memfd_create failed");
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd, data + done, size - done);
      if (n <= 0) abort_with(name, "write to the memfd failed");
      done += static_cast<std::size_t>(n);
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() { ::close(fd); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

 private:
  [[noreturn]] static void abort_with(const char* name, const char* what) {
    std::fprintf(stderr, "%s: %s\n", name, what);
    std::abort();
  }
};

}  // namespace crowdmesh::fuzz
