// Picks the backend of a run: --backend cpu or cuda forces one; auto takes CUDA when this build
// has it and the runtime reports a device, else the CPU, and logs one line saying which and why.
#ifndef LINACT_HOST_BACKEND_SELECT_H_
#define LINACT_HOST_BACKEND_SELECT_H_

#include <string>

#include "runner.h"

namespace linact::host {

enum class BackendKind { kAuto, kCpu, kCuda };

// Throws when `kind` forces a backend this build or machine cannot run, so that a run stops
// before any slow setup rather than when the backend is made.
void require_backend(BackendKind kind);

// Threads for the CPU backend (0 = all cores).
BackendFactory backend_factory(BackendKind kind, int cpu_threads);

}  // namespace linact::host

#endif  // LINACT_HOST_BACKEND_SELECT_H_
