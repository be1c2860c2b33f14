#pragma once
// A subcommand: its name, one-line help, and how it adds its options to the
// parser. main.cpp holds the table of them and does nothing else.

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/error.hpp"

namespace envlock::cli {

/// Runs after parsing; returns the exit code, or an Error main converts once.
using CommandRun = std::function<Result<int>()>;

struct Command {
  const char* name;
  const char* help;
  /// Adds options to `sub` and returns the function to run when it is chosen.
  CommandRun (*setup)(CLI::App& sub);
};

CommandRun setup_scan(CLI::App& sub);
CommandRun setup_lock(CLI::App& sub);
CommandRun setup_check(CLI::App& sub);
CommandRun setup_diff(CLI::App& sub);
CommandRun setup_verify(CLI::App& sub);
CommandRun setup_export(CLI::App& sub);
CommandRun setup_keygen(CLI::App& sub);

}  // namespace envlock::cli
