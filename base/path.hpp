#pragma once
// Lexical operations on absolute '/'-separated paths: a scanned target's
// paths (scanner/fs/filesystem.hpp) and the host's alike. Nothing here touches
// the filesystem.

#include <string>
#include <string_view>

namespace envlock {

/// Joins target paths: join("/usr/lib", "x") == "/usr/lib/x".
std::string join_path(std::string_view dir, std::string_view name);
/// Lexically normalizes: collapses "//", ".", and ".." (never above "/").
std::string normalize_path(std::string_view path);
/// Parent directory of a normalized absolute path ("/" for "/x").
std::string parent_path(std::string_view path);
/// Last component.
std::string base_name(std::string_view path);

}  // namespace envlock
