#include "memory_lock.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4  // Linux 4.4 (uapi asm-generic/mman-common.h)
#endif

namespace crowdmesh::node {

std::string lock_memory() {
  if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0) return "";
  const int err = errno;
  return std::string("memory not locked (mlockall: ") + std::strerror(err) +
         "): a page fault can then reach the real-time path when memory is short; allow it with "
         "LimitMEMLOCK=infinity (systemd) or '@audio - memlock unlimited' in /etc/security/limits.d/audio.conf";
}

}  // namespace crowdmesh::node
