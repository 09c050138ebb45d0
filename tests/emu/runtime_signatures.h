// See runtime_signatures.cpp.
#ifndef LINACT_TESTS_EMU_RUNTIME_SIGNATURES_H_
#define LINACT_TESTS_EMU_RUNTIME_SIGNATURES_H_

// Runs the program; returns the first call that failed, or nullptr.
const char* use_runtime_with_toolkit_signatures();

#endif  // LINACT_TESTS_EMU_RUNTIME_SIGNATURES_H_
