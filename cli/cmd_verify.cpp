// `envlock verify`, `envlock export`, `envlock keygen`: work on a lock without scanning.

#include <sys/stat.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/export_formats.hpp"
#include "cli/lock_source.hpp"
#include "cli/output.hpp"
#include "lockfile/lock_io.hpp"
#include "lockfile/signature.hpp"

namespace envlock::cli {

namespace {

struct VerifyArgs {
  std::string lock;
  std::string pubkey;
};

struct ExportArgs {
  std::string lock;
  std::string format;
  std::string output;
};

}  // namespace

CommandRun setup_verify(CLI::App& sub) {
  auto args = std::make_shared<VerifyArgs>();
  sub.add_option("FILE", args->lock, "Lockfile path or URL")->required();
  sub.add_option("--pubkey", args->pubkey, "Require a valid signature by this public key");
  return [args]() -> Result<int> {
    auto lock = ENVLOCK_TRY(load_lock(args->lock, args->pubkey));
    const auto& meta = lock.fingerprint.envlock;
    if (meta.digest.empty()) {
      return fail(args->lock + ": no digest to verify (a scan output, not a lock)",
                  ErrorKind::kIntegrity);
    }
    std::cout << args->lock << ": OK (" << meta.digest
              << (args->pubkey.empty() ? "" : ", signature valid") << ")\n";
    return 0;
  };
}

CommandRun setup_export(CLI::App& sub) {
  auto args = std::make_shared<ExportArgs>();
  sub.add_option("FILE", args->lock, "Lockfile path or URL")->required();
  sub.add_option("--format", args->format, "pylock, requirements or cyclonedx")->required();
  sub.add_option("-o,--output", args->output, "Write to this file instead of stdout");
  return [args]() -> Result<int> {
    auto format = ENVLOCK_TRY(parse_export_format(args->format));
    auto lock = ENVLOCK_TRY(load_lock(args->lock));
    auto text = ENVLOCK_TRY(export_fingerprint(lock.fingerprint, format));
    ENVLOCK_TRY(emit(args->output, text));
    return 0;
  };
}

CommandRun setup_keygen(CLI::App& sub) {
  auto prefix = std::make_shared<std::string>();
  sub.add_option("-o,--output", *prefix, "Writes PREFIX.key (mode 0600) and PREFIX.pub")->required();
  return [prefix]() -> Result<int> {
    auto pair = ENVLOCK_TRY(lockfile::generate_keypair());
    ENVLOCK_TRY(lockfile::write_file_atomic(*prefix + ".key", pair.private_pem_or_text, 0600));
    // The umask may not take bits away from 0600 we rely on; make it exact.
    ::chmod((*prefix + ".key").c_str(), 0600);
    ENVLOCK_TRY(lockfile::write_file_atomic(*prefix + ".pub", pair.public_text));
    std::cout << "wrote " << *prefix << ".key (private, mode 0600) and " << *prefix << ".pub\n";
    return 0;
  };
}

}  // namespace envlock::cli
