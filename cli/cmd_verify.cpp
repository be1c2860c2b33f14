// `envlock verify`, `envlock export`, `envlock keygen`: work on a lock without scanning.

#include <sys/stat.h>
#include <unistd.h>

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
    auto lock = ENVLOCK_TRY(load_lock(args->lock, args->pubkey, LockUse::kLock));
    const auto& meta = lock.fingerprint.envlock;
    std::cout << lock.name << ": OK (" << meta.digest
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
  auto force = std::make_shared<bool>(false);
  sub.add_option("-o,--output", *prefix, "Writes PREFIX.key (mode 0600) and PREFIX.pub")->required();
  sub.add_flag("--force", *force, "Replace PREFIX.key and PREFIX.pub when they exist");
  return [prefix, force]() -> Result<int> {
    const std::string key = *prefix + ".key", pub = *prefix + ".pub";
    // A key that signed deployed locks is not replaced by a typo: refuse
    // before writing anything when either file is there.
    if (!*force) {
      struct stat st {};
      for (const auto& path : {key, pub}) {
        if (::lstat(path.c_str(), &st) == 0) {
          return fail(path + ": already exists; pass --force to replace the key pair");
        }
      }
    }
    auto pair = ENVLOCK_TRY(lockfile::generate_keypair());
    if (*force) {
      ENVLOCK_TRY(lockfile::write_file_atomic(key, pair.private_pem_or_text, 0600));
    } else {
      ENVLOCK_TRY(lockfile::write_file_new(key, pair.private_pem_or_text, 0600));
    }
    // The umask may not take bits away from 0600 we rely on; make it exact.
    ::chmod(key.c_str(), 0600);
    if (*force) {
      ENVLOCK_TRY(lockfile::write_file_atomic(pub, pair.public_text));
    } else if (auto wrote = lockfile::write_file_new(pub, pair.public_text, 0644); !wrote) {
      ::unlink(key.c_str());  // ours, from just above: never leave half a pair
      return tl::unexpected(wrote.error());
    }
    std::cout << "wrote " << key << " (private, mode 0600) and " << pub << "\n";
    return 0;
  };
}

}  // namespace envlock::cli
