#pragma once
// What every report renderer may be told by its caller. Renderers never look
// at the terminal, the clock or the host themselves unless a field here is left
// empty, so tests get byte-exact output.

#include <string>

namespace envlock::cli {

struct RenderOptions {
  /// ANSI colour in text output. The caller decides: isatty(stdout) and
  /// NO_COLOR unset or empty.
  bool color = false;
  /// Text: list the scan's diagnostics instead of only counting them.
  bool verbose = false;
  /// Written into SARIF's tool.driver.version, JUnit and HTML.
  std::string tool_version = ENVLOCK_VERSION;
  /// JUnit testsuite timestamp, "2026-11-27T10:31:00" (UTC, no zone, as the
  /// schema wants); empty means the current time.
  std::string timestamp;
  /// JUnit testsuite hostname; empty means gethostname(), else "localhost".
  std::string hostname;
};

}  // namespace envlock::cli
