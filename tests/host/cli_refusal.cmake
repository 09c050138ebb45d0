# One refusal of the linact-gan command line: the command must exit with a non-zero status and
# print a message matching EXPECTED (a regular expression). Run by CTest as
#   cmake -DGAN=<linact-gan> -DEXPECTED=<regex> -DARGS=<arguments joined by |> -P <this file>
# The exit status is checked here because CTest's PASS_REGULAR_EXPRESSION alone ignores it.
foreach(var GAN EXPECTED ARGS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli refusal: -D${var}=... is missing")
  endif()
endforeach()
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${GAN} ${args} RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "cli refusal: 'linact-gan ${args}' exited with 0:\n${out}\n${err}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECTED}")
  message(FATAL_ERROR "cli refusal: 'linact-gan ${args}' exited with '${status}' but did not "
                      "print '${EXPECTED}':\n${out}\n${err}")
endif()
