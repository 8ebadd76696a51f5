# Fuzz targets (tests/fuzz/fuzz_*.c): the CSV reader, the .xlsx reader and the config parser.
# Normally each is linked with corpus_main.c and ctest replays its corpus
# (tests/fuzz/corpus/NAME) as the test fuzz.NAME — under ASan/UBSan in the sanitize build.
# With -DDUBAN_FUZZ=ON (CC=clang) they are libFuzzer binaries; scripts/fuzz.sh runs them for a
# bounded time, and ctest replays the corpus with -runs=0.
foreach(target csv xlsx config)
  if(DUBAN_FUZZ)
    add_executable(fuzz_${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${target}.c)
    target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
    add_test(NAME fuzz.${target} COMMAND fuzz_${target} -runs=0
             ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${target})
  else()
    add_executable(fuzz_${target} ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${target}.c
                   ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus_main.c)
    add_test(NAME fuzz.${target} COMMAND fuzz_${target}
             ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${target})
  endif()
  target_link_libraries(fuzz_${target} PRIVATE duban_common)
  set_tests_properties(fuzz.${target} PROPERTIES LABELS "unit;fuzz")
endforeach()
