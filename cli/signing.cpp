#include "cli/signing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/output.hpp"
#include "lockfile/signature.hpp"

namespace envlock::cli {

Result<std::string> read_private_key_file(const std::string& path) {
  constexpr std::size_t kMaxKeyBytes = 4096;
  struct stat st {};
  // stat before open: opening a device can act, and a FIFO would block.
  if (::stat(path.c_str(), &st) != 0) {
    return fail(path + ": cannot read private key: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return fail(path + ": cannot read private key: not a regular file");
  // O_NONBLOCK: a FIFO swapped in after the stat must not hang the signer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return fail(path + ": cannot read private key: " + std::strerror(errno));
  // The mode of the file actually opened, not of whatever the path names later.
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(path + ": cannot read private key: not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(path + ": private key permissions " + mode +
                " are too open: group or others may read or write it; run chmod 600 " + path);
  }
  std::string text;
  char buffer[1024];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return fail(path + ": cannot read private key: " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxKeyBytes) {
      ::close(fd);
      return fail(path + ": not an envlock private key (larger than 4 KiB)");
    }
  }
  ::close(fd);
  return text;
}

Result<void> verify_lock_file_signature(std::string_view lock_text, std::string_view lock_source,
                                        const std::string& pubkey_path) {
  auto key = ENVLOCK_TRY(read_input_file(pubkey_path, "public key"));
  // Named by its path: a malformed or small-order key is invalid input (exit 2).
  ENVLOCK_TRY(lockfile::check_public_key(key, pubkey_path));
  return lockfile::verify_lock_signature(lock_text, key, lock_source);
}

}  // namespace envlock::cli
