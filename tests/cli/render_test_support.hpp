#pragma once
// Shared by the render and export tests: the hostile report every renderer is
// fed, and validators that check output against the published schemas under
// fixtures/render/schemas (xmllint for XSD, python3 jsonschema for JSON).

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "lockfile/fingerprint.hpp"
#include "resolver/finding.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

namespace envlock::cli::testing {

inline resolver::Report hostile_report() {
  using resolver::Finding;
  using resolver::Severity;
  resolver::Report report;
  report.lock = "model.envlock.toml";
  report.target = "python:/usr/bin/python3";
  report.findings = {
      Finding{Severity::kBlock, "dependency-broken", "torch", std::nullopt, "2.1.0",
              "torch 2.1.0 requires numpy<2", "numpy<2"},
      Finding{Severity::kBlock, "package-changed", "numpy", "1.26.4", "2.0.0",
              "numpy 1.26.4 is locked, 2.0.0 is installed", std::nullopt},
      Finding{Severity::kBlock, "package-missing", "<script>alert(1)</script>", "1.0", std::nullopt,
              "a & b \"quoted\" 'single' | pipe", std::nullopt},
      Finding{Severity::kWarn, "file-modified", "evil\nBLOCKED: forged line", "sha256=abc",
              "sha256=def", "colour \x1b[31mred\x1b[0m, bell\x07, nul-less \x01 end", std::nullopt},
      Finding{Severity::kWarn, "package-extra", "rich", std::nullopt, "13.7.1",
              "rich 13.7.1 is installed but not locked", std::nullopt},
      Finding{Severity::kInfo, "os", "kernel", "6.1.0", "6.8.0",
              "bytes \xff\xfe and \xc3 and bidi \u202e*[x]_ `y` ~z~ done", std::nullopt},
  };
  return report;
}

inline resolver::Report empty_report() {
  resolver::Report report;
  report.lock = "model.envlock.toml";
  report.target = "python:/usr/bin/python3";
  return report;
}

/// A locked environment for the export and scan-text tests: an index install,
/// a local version, a shadowed duplicate, and one package per direct-URL kind.
inline lockfile::Fingerprint sample_fingerprint() {
  lockfile::Fingerprint fp;
  fp.envlock.generator = "envlock 0.1.0";
  fp.envlock.created = "2026-11-27T10:31:00Z";
  fp.envlock.digest = "sha256:" + std::string(64, 'a');
  fp.envlock.target = "python:/usr/bin/python3";
  lockfile::Python py;
  py.implementation = "cpython";
  py.version = "3.11.7";
  py.abi = "cp311";
  py.platform = "linux_x86_64";
  py.prefix = "/usr";
  py.executable = "/usr/bin/python3";
  py.site_dirs = {"/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"};
  fp.python = py;
  auto add = [&fp](std::string name, std::string version,
                   std::string location) -> lockfile::Package& {
    lockfile::Package pkg;
    pkg.name = std::move(name);
    pkg.raw_name = pkg.name;
    pkg.version = std::move(version);
    pkg.installer = "pip";
    pkg.location = std::move(location);
    fp.packages.push_back(pkg);
    return fp.packages.back();
  };
  const std::string local = "/usr/local/lib/python3.11/dist-packages";
  const std::string debian = "/usr/lib/python3/dist-packages";
  {
    auto& p = add("myapp", "1.0.0", local);
    p.direct_url = "file:///home/dev/my%20app";
    p.direct_kind = "editable";
  }
  {
    auto& p = add("mylib", "0.3.0", local);
    p.direct_url = "https://github.com/acme/mylib.git";
    p.direct_kind = "vcs";
    p.direct_hash = "0123456789abcdef0123456789abcdef01234567";
  }
  {
    auto& p = add("numpy", "1.26.4", local);
    p.requires_python = ">=3.9";
    p.files = {1234, "sha256:" + std::string(64, 'b')};
  }
  add("six", "1.16.0", local);
  {
    auto& p = add("six", "1.15.0", debian);
    p.installer = "debian";
    p.shadowed = true;
  }
  {
    auto& p = add("tarpkg", "1.0", local);
    p.direct_url = "https://example.com/tarpkg-1.0.tar.gz";
    p.direct_kind = "archive";
    p.direct_hash = "sha256=" + std::string(64, 'c');
  }
  {
    auto& p = add("torch", "2.1.0+cu118", local);
    p.files = {42, "sha256:" + std::string(64, 'd')};
  }
  lockfile::Os os;
  os.arch = "x86_64";
  os.kernel = "6.1.0";
  os.id = "debian";
  os.version_id = "12";
  os.glibc = "2.36";
  fp.os = os;
  return fp;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string schema_path(const std::string& name) {
  return std::string(ENVLOCK_FIXTURES) + "/render/schemas/" + name;
}

/// Outcome of a schema check: ran is false when the validator is not
/// installed. Check it with ENVLOCK_EXPECT_SCHEMA_VALID / _INVALID, which skip
/// the test (reported as skipped, never as a pass) when nothing was checked.
struct Validation {
  bool ran = false;
  bool valid = false;
  std::string output;
};

/// Validates `document` against the XSD with xmllint (Debian: libxml2-utils).
inline Validation validate_xml(const std::string& document, const std::string& xsd) {
  if (run_command("command -v xmllint").exit_code != 0) {
    std::cerr << "note: xmllint is not installed (libxml2-utils); schema check skipped\n";
    return {};
  }
  envlock::testing::TempDir dir;
  const std::string file = dir / "document.xml";
  envlock::testing::write_file(file, document);
  const CommandResult r =
      run_command("xmllint --noout --nonet --schema '" + xsd + "' '" + file + "'");
  return {true, r.exit_code == 0, r.output};
}

/// Validates `document` against a JSON Schema with python3's jsonschema
/// (Debian: python3-jsonschema) through fixtures/render/validate_json_schema.py.
inline Validation validate_json(const std::string& document, const std::string& schema) {
  envlock::testing::TempDir dir;
  const std::string file = dir / "document.json";
  envlock::testing::write_file(file, document);
  const CommandResult r =
      run_command("python3 '" + std::string(ENVLOCK_FIXTURES) +
                  "/render/validate_json_schema.py' '" + schema + "' '" + file + "'");
  if (r.exit_code == 77 || r.exit_code == 127) {
    std::cerr << "note: python3 jsonschema is not installed; schema check skipped\n";
    return {};
  }
  return {true, r.exit_code == 0, r.output};
}

}  // namespace envlock::cli::testing

/// Skips the rest of the test when the validator could not run (a schema
/// check that did not happen must not read as a passed one); otherwise expects
/// the verdict. Further `<< message` parts go to the expectation.
#define ENVLOCK_EXPECT_SCHEMA_VALID(v)                                                \
  if (!(v).ran)                                                                       \
    GTEST_SKIP() << "schema validator not installed (scripts/bootstrap installs it)"; \
  else                                                                                \
    EXPECT_TRUE((v).valid)
#define ENVLOCK_EXPECT_SCHEMA_INVALID(v)                                              \
  if (!(v).ran)                                                                       \
    GTEST_SKIP() << "schema validator not installed (scripts/bootstrap installs it)"; \
  else                                                                                \
    EXPECT_FALSE((v).valid)
