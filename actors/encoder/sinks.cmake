# File and Icecast sinks of the encoder outputs (libshout for Icecast).
add_library(crowdmesh_sinks STATIC
  ${CMAKE_CURRENT_LIST_DIR}/file_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/icecast_sink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sink.cpp)
target_include_directories(crowdmesh_sinks PUBLIC ${PROJECT_SOURCE_DIR}/actors)
target_link_libraries(crowdmesh_sinks PUBLIC crowdmesh_common PkgConfig::SHOUT spdlog::spdlog caf::core Threads::Threads)
