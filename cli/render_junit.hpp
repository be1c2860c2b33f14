#pragma once
// JUnit XML for CI test pages (GitLab, Jenkins, Azure, GitHub actions that
// read JUnit). Valid against the Ant JUnit schema (shared/schemas/junit.xsd).

#include <string>

#include "cli/render_options.hpp"
#include "resolver/finding.hpp"

namespace envlock::cli {

/// <testsuites> holding one <testsuite package="envlock" id="0"> whose
/// properties carry verdict, lock, target and tool version. One <testcase>
/// per finding (classname "envlock.<category>", name = subject):
///   block -> <failure type="<category>" message="...">details</failure>
///   warn  -> <skipped message="warn: ...">details</skipped>: visible on CI
///            pages without failing the job, matching exit code 0
///   info  -> a passing testcase
/// With no findings, one passing testcase "environment matches the lock" so
/// the page shows the gate ran. tests/failures/skipped count these; errors is
/// 0. Names, messages and details are escape_terminal'd (one line per value).
/// <system-out> holds the text report (no colour). Timestamp and hostname
/// come from opts (see RenderOptions).
std::string render_junit(const resolver::Report& report, const RenderOptions& opts);

}  // namespace envlock::cli
