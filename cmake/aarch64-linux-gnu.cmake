# Cross build for 64-bit ARM Debian / Raspberry Pi OS (arm64) from an x86_64
# Debian 12 host: Debian's cross compiler (g++-aarch64-linux-gnu) against a
# sysroot of the arm64 -dev packages that deploy/arm64-sysroot.sh unpacks.
# Test executables run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so
# gtest_discover_tests and ctest work as on the target.
# Usage: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCROWDMESH_SYSROOT=DIR ...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT CROWDMESH_SYSROOT)
  set(CROWDMESH_SYSROOT "$ENV{CROWDMESH_SYSROOT}")
endif()
if(NOT CROWDMESH_SYSROOT OR NOT EXISTS "${CROWDMESH_SYSROOT}/usr/include")
  message(FATAL_ERROR "aarch64 toolchain: CROWDMESH_SYSROOT='${CROWDMESH_SYSROOT}' is not an arm64 sysroot "
                      "(make one with deploy/arm64-sysroot.sh DIR)")
endif()
# Try-compiles run in their own projects: pass the sysroot on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CROWDMESH_SYSROOT)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_SYSROOT "${CROWDMESH_SYSROOT}")
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH "${CROWDMESH_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # host tools: protoc, pkg-config
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The sysroot's shared libraries need their own dependencies at link time.
set(_arm64_libs "${CROWDMESH_SYSROOT}/usr/lib/aarch64-linux-gnu:${CROWDMESH_SYSROOT}/lib/aarch64-linux-gnu")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_arm64_libs}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_arm64_libs}")

# pkg-config reads the sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_LIBDIR}
    "${CROWDMESH_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${CROWDMESH_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CROWDMESH_SYSROOT}")

# The host's protoc (same protobuf 3.21 as the arm64 libprotobuf-dev).
set(Protobuf_PROTOC_EXECUTABLE /usr/bin/protoc CACHE FILEPATH "host protoc")

find_program(CROWDMESH_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(CROWDMESH_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CROWDMESH_QEMU_AARCH64};-L;${CROWDMESH_SYSROOT}")
endif()
