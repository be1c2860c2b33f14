#include "lockfile/lock_io.hpp"

#include <cerrno>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/regular_file.hpp"
#include "base/utc_time.hpp"
#include "lockfile/decoder.hpp"
#include "lockfile/digest.hpp"
#include "lockfile/json_codec.hpp"
#include "lockfile/toml_codec.hpp"

namespace envlock::lockfile {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Result<std::string> read_limited(const std::string& path) {
  auto data = read_regular_file(path, kMaxDocumentBytes);
  if (data) return std::move(*data);
  using Reason = ReadFileError::Reason;
  switch (data.error().reason) {
    case Reason::kNotRegular:
      return fail(path + ": is " + file_kind(data.error().mode) + ", not a lock or scan file");
    case Reason::kTooLarge:
      return fail(path + ": too large (" + std::to_string(data.error().size) +
                  " bytes; the limit is 64 MiB)");
    case Reason::kGrewTooLarge:
      return fail(path + ": too large (over 64 MiB, the limit for a lock or scan)");
    default: return fail(path + ": cannot read: " + errno_text(data.error().err));
  }
}

bool looks_like_json(std::string_view text) {
  if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{';
  }
  return false;
}

void remove_quietly(const std::string& path) { ::unlink(path.c_str()); }

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string random_suffix() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint32_t> dist;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", dist(rd));
  return buf;
}

}  // namespace

Result<void> write_file_atomic(const std::string& path, std::string_view content) {
  return write_file_atomic(path, content, 0644);
}

namespace {

Result<void> write_through_temp(const std::string& path, std::string_view content, mode_t mode,
                                bool replace) {
  std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + random_suffix();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    return fail(path + ": cannot create a temporary file in " + directory_of(path) + ": " +
                errno_text(errno));
  }
  auto give_up = [&](const char* step) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    remove_quietly(temp);
    return fail(path + ": cannot " + step + ": " + errno_text(err));
  };
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return give_up("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return give_up("sync to disk");
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return give_up("write");
  if (replace) {
    if (::rename(temp.c_str(), path.c_str()) != 0) return give_up("replace");
  } else {
    // link() refuses an existing name, so a file that appears after any
    // earlier check is still never replaced.
    if (::link(temp.c_str(), path.c_str()) != 0) {
      int err = errno;
      remove_quietly(temp);
      if (err == EEXIST) return fail(path + ": already exists");
      return fail(path + ": cannot create: " + errno_text(err));
    }
    remove_quietly(temp);
  }
  // The rename itself is durable only once the directory is synced; a failure
  // here leaves a complete file in place, so it is not an error.
  int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace

Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
  return write_through_temp(path, content, mode, true);
}

Result<void> write_file_new(const std::string& path, std::string_view content, mode_t mode) {
  return write_through_temp(path, content, mode, false);
}

Result<std::string> read_document_file(const std::string& path) { return read_limited(path); }

Result<Fingerprint> parse_fingerprint_text(std::string_view text, std::string_view source) {
  SourceMap where;
  nlohmann::json doc = looks_like_json(text) ? ENVLOCK_TRY(parse_json_document(text, source, &where))
                                             : ENVLOCK_TRY(parse_toml_document(text, source, &where));
  Fingerprint fp = ENVLOCK_TRY(decode_document(doc, source, &where));
  if (!fp.envlock.digest.empty()) {
    std::string computed = digest_of_document(doc);
    if (computed != fp.envlock.digest) {
      return fail(std::string(source) + ": digest mismatch: recorded " + fp.envlock.digest +
                      ", computed " + computed,
                  ErrorKind::kIntegrity);
    }
  }
  return fp;
}

Result<Fingerprint> read_fingerprint_file(const std::string& path) {
  std::string text = ENVLOCK_TRY(read_limited(path));
  return parse_fingerprint_text(text, path);
}

void stamp(Fingerprint& fp) {
  fp.envlock.schema = kSchemaVersion;
  fp.envlock.generator = "envlock " ENVLOCK_VERSION;
  if (fp.envlock.created.empty()) fp.envlock.created = utc_now();
  fp.envlock.signature.clear();
  fp.envlock.digest = compute_digest(fp);
}

std::string render_lock(Fingerprint fp) {
  stamp(fp);
  return to_toml(fp);
}

}  // namespace envlock::lockfile
