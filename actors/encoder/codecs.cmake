# Codec wrappers behind StreamEncoder: Ogg/Opus (libopusenc), FLAC (libFLAC), MP3 (LAME).
add_library(crowdmesh_codecs STATIC
  ${CMAKE_CURRENT_LIST_DIR}/stream_encoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/opus_stream_encoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/flac_stream_encoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mp3_stream_encoder.cpp)
target_include_directories(crowdmesh_codecs PUBLIC ${PROJECT_SOURCE_DIR}/actors)
target_link_libraries(crowdmesh_codecs PUBLIC crowdmesh_common PkgConfig::OPUSENC PkgConfig::FLAC lame::lame)
