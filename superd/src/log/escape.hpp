// SPDX-License-Identifier: MIT
// Escaping for the log: whatever bytes a program, a peer or a conf file puts
// in a message, what reaches a log sink is printable, valid UTF-8 on one line,
// so nobody can forge or overwrite log lines or drive a terminal. One scheme,
// applied once, in every sink and format:
//   \xHH   the byte HH: a C0 control character (including tab, CR and LF), DEL,
//          or a byte that is not part of a valid UTF-8 sequence (stray
//          continuation bytes, truncated and overlong sequences, surrogates,
//          code points above U+10FFFF)
//   \u00HH the C1 control character U+0080..U+009F (valid UTF-8, still a control)
//   \\     a backslash, so that a backslash always starts one of these three
// Every other character passes through. The escapes read back with Go's
// strconv.Unquote (and C's string literal rules) as the original bytes.
// The formats that quote (logfmt, JSON) ask for their own quoting in the
// same pass, so a value is read and written once.
#pragma once

#include <string>
#include <string_view>

namespace superd::log {

/// The quoting a format adds on top of the escapes.
enum class Quoting {
  None,    ///< As above: text format, journal and syslog values.
  Logfmt,  ///< Inside "...": also `"` as `\"`.
  Json,    ///< Inside a JSON string: also `"` as `\"`, and every backslash
           ///< doubled, so the string decodes to the escaped text.
};

/// Appends `in` to `out`, escaped as above and quoted as `quoting` says
/// (without the enclosing quotes).
void escape(std::string_view in, std::string& out, Quoting quoting = Quoting::None);

}  // namespace superd::log
