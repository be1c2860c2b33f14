#pragma once
// The [os] table, read from the target's own files: a container image's
// glibc, not the host's, decides which GLIBC_x.y symbols resolve.

#include <map>
#include <string>
#include <string_view>

#include "lockfile/fingerprint.hpp"
#include "scanner/fs/filesystem.hpp"

namespace envlock::scanner {

/// Sets fp.os: arch (from libc's e_machine; uname on a live host without a
/// findable libc), kernel (live only, /proc/sys/kernel/osrelease), id and
/// version-id (/etc/os-release, else /usr/lib/os-release), glibc (libc's
/// file name libc-X.Y.so, else its "release version X.Y" banner, else its
/// highest GLIBC_ version definition), libstdcxx (the GCC version in its
/// .comment, else the file's so-version such as "6.0.30") and glibcxx-max
/// (highest GLIBCXX_ definition). Unreadable files leave fields "" and add a
/// diagnostic; absent ones (a venv root) just leave them "".
void probe_os(const FileSystem& fs, lockfile::Fingerprint& fp);

/// Parses os-release(5): KEY=value lines, '#' comments, values in double
/// quotes (with \" \\ \$ \` escapes), single quotes, or bare. Malformed lines
/// are skipped.
std::map<std::string, std::string> parse_os_release(std::string_view text);

/// The glibc version a libc's bytes announce ("... release version 2.36."),
/// "" when absent. Only announcements starting before `limit` count (a window
/// of a file streamed in pieces: later ones come whole in the next window).
std::string glibc_banner_version(std::string_view libc_bytes,
                                 std::size_t limit = std::string_view::npos);

/// The highest "GCC: (...) X.Y.Z" version in a binary's bytes, "" when absent;
/// `limit` as above.
std::string gcc_comment_version(std::string_view bytes, std::size_t limit = std::string_view::npos);

}  // namespace envlock::scanner
