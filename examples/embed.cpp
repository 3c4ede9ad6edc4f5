// SPDX-License-Identifier: MIT
// Embeds superd and adds a built-in "upper" that answers each chunk of input
// in upper case, over TCP, UDP and Unix sockets alike.
//
//   superd_embed_example --upper.port=127.0.0.1:10100 --upper.builtin=upper
//   printf 'hello\n' | nc -q1 127.0.0.1 10100      # HELLO
#include <cctype>
#include <iostream>

#include "superd/server.hpp"

namespace {

std::string upper(std::string_view in) {
  std::string out(in);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class UpperStream : public superd::StreamHandler {
 public:
  void on_data(superd::Stream& s, std::string_view bytes) override { s.write(upper(bytes)); }
};

}  // namespace

int main(int argc, char** argv) {
  // New args: the highest layer; here they only name a default log level.
  superd::Server server({"--log_level=3"});
  server.add_builtin(superd::Builtin{
      "upper", "Answers with the input in upper case.",
      [] { return std::make_unique<UpperStream>(); },
      [](std::string_view request, std::string& reply) {
        reply = upper(request);
        return true;
      },
      {}});
  // Run args sit below the command line and above the conf file: the example
  // serves "upper" on a loopback port unless the command line says otherwise.
  return server.run(argc, argv, {"upper.port=127.0.0.1:10100", "upper.builtin=upper"});
}
