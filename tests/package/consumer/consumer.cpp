// Built against the installed package: the public header compiles, the library links, and the
// basic entry points answer.
#include <linact/linact.h>

#include <cstdio>
#include <cstring>

int main() {
  const int version = linactGetVersion();
  if (version != LINACT_VERSION_MAJOR * 10000 + LINACT_VERSION_MINOR * 100 + LINACT_VERSION_PATCH) {
    std::fprintf(stderr, "linactGetVersion() = %d disagrees with the header\n", version);
    return 1;
  }
  if (std::strcmp(linactGetStatusName(LINACT_STATUS_INVALID_VALUE),
                  "LINACT_STATUS_INVALID_VALUE")) {
    std::fprintf(stderr, "unexpected status name\n");
    return 1;
  }
  std::printf("linact %d linked\n", version);
  return 0;
}
