# crowdmesh_vectorize(TARGET): lets GCC vectorise TARGET's loops of unknown
# trip count at -O2 (its default "very cheap" cost model does not). Clang
# vectorises them at -O2 already. The flag changes no result: GCC does not
# reassociate floating-point sums without -ffast-math.
function(crowdmesh_vectorize target)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fvect-cost-model=dynamic)
  endif()
endfunction()
