# Every third-party dependency, found once. Packages come from deploy/install-deps.sh.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(SAMPLERATE REQUIRED IMPORTED_TARGET samplerate)
pkg_check_modules(SOUNDTOUCH REQUIRED IMPORTED_TARGET soundtouch)
pkg_check_modules(PORTAUDIO REQUIRED IMPORTED_TARGET portaudio-2.0)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(PUGIXML REQUIRED IMPORTED_TARGET pugixml)  # Rekordbox XML (actors/structure)
pkg_check_modules(LIBLO REQUIRED IMPORTED_TARGET liblo)
pkg_check_modules(OPUSENC REQUIRED IMPORTED_TARGET libopusenc)
# libopus itself (libopus-dev): the Opus payload of remote playout (actors/netaudio).
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(FLAC REQUIRED IMPORTED_TARGET flac)
pkg_check_modules(SHOUT REQUIRED IMPORTED_TARGET shout)
pkg_check_modules(EBUR128 REQUIRED IMPORTED_TARGET libebur128)
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
# Intel ISA-L (libisal-dev): Reed-Solomon erasure codes for the FEC of remote playout.
# Its libisal.pc is found in the arm64 sysroot too (cmake/aarch64-linux-gnu.cmake sets PKG_CONFIG_LIBDIR).
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
find_package(Protobuf REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(spdlog REQUIRED)

# CAF 0.17 ships neither a CMake package nor a pkg-config file on Debian.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(caf_core_imported INTERFACE)
target_include_directories(caf_core_imported SYSTEM INTERFACE ${CAF_INCLUDE_DIR})
target_link_libraries(caf_core_imported INTERFACE ${CAF_CORE_LIBRARY} Threads::Threads)
add_library(caf::core ALIAS caf_core_imported)

# LAME (MP3) ships neither a CMake package nor a pkg-config file on Debian.
find_path(LAME_INCLUDE_DIR lame/lame.h REQUIRED)
find_library(LAME_LIBRARY mp3lame REQUIRED)
add_library(lame_imported INTERFACE)
target_include_directories(lame_imported SYSTEM INTERFACE ${LAME_INCLUDE_DIR})
target_link_libraries(lame_imported INTERFACE ${LAME_LIBRARY})
add_library(lame::lame ALIAS lame_imported)

if(CROWDMESH_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(CROWDMESH_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
