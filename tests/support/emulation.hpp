#pragma once
#include <cstdlib>
#include <string>

namespace crowdmesh::test {

/// The emulator this test executable runs under, or "" when it runs natively.
/// CTest sets CROWDMESH_EMULATOR when the build has a
/// CMAKE_CROSSCOMPILING_EMULATOR (the arm64 cross build runs its tests under
/// qemu-user, deploy/cross-arm64.sh); set it by hand when running one there
/// yourself. A test whose premise an emulator does not hold skips itself with
/// the reason:
///   if (!test::emulator().empty()) GTEST_SKIP() << "under " << test::emulator() << ": ...";
inline std::string emulator() {
  const char* e = std::getenv("CROWDMESH_EMULATOR");
  return e != nullptr ? std::string(e) : std::string();
}

}  // namespace crowdmesh::test
