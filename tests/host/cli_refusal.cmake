# One refusal of the linact-gan command line: the command must exit with status 1 (linact-gan's
# own refusals) or 100-127 (CLI11's parse errors), not 0 and not on a signal, and print a
# message matching EXPECTED (a regular expression). Run by CTest as
#   cmake -DGAN=<linact-gan> -DEXPECTED=<regex> -P <this file> -- <linact-gan's arguments>
# Arguments cannot hold a semicolon (CMake splits lists there). The exit status is checked here
# because CTest's PASS_REGULAR_EXPRESSION alone ignores it, and an uncaught exception prints its
# message too.
foreach(var GAN EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli refusal: -D${var}=... is missing")
  endif()
endforeach()
set(args)
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
execute_process(COMMAND ${GAN} ${args} RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT status MATCHES "^(1|10[0-9]|11[0-9]|12[0-7])$")
  message(FATAL_ERROR "cli refusal: 'linact-gan ${args}' ended with '${status}', not a refusal "
                      "(1, or 100-127 from the command-line parser):\n${out}\n${err}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECTED}")
  message(FATAL_ERROR "cli refusal: 'linact-gan ${args}' exited with '${status}' but did not "
                      "print '${EXPECTED}':\n${out}\n${err}")
endif()
